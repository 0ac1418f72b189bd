import { IN_TOTO_STATEMENT_TYPE } from '../attest/constants.js';
import { omsRootDigest, serializationToPredicate, type ManifestResource, type Serialization } from '../verify/oms/manifest.js';

export const OMS_PREDICATE_TYPE = 'https://model_signing/signature/v1.0';

/** model_signing's in-toto statement: one subject (model name + root digest), predicate {serialization, resources}. */
export function omsStatement(modelName: string, resources: readonly ManifestResource[], s: Serialization): Record<string, unknown> {
  return {
    _type: IN_TOTO_STATEMENT_TYPE,
    subject: [{ name: modelName, digest: { sha256: omsRootDigest(resources) } }],
    predicateType: OMS_PREDICATE_TYPE,
    predicate: {
      serialization: serializationToPredicate(s),
      resources: resources.map((r) => ({ name: r.name, algorithm: r.algorithm, digest: r.digest })),
    },
  };
}
