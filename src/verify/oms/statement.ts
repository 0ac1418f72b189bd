import { SignatureRejection } from './errors.js';
import type { ManifestResource } from './manifest.js';
import { parseShardName, unsafePathReason } from './paths.js';
import { serializationFromPredicate, type Serialization } from './serialization.js';

export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const IN_TOTO_STATEMENT_V1 = 'https://in-toto.io/Statement/v1';
export const OMS_PREDICATE_V1 = 'https://model_signing/signature/v1.0';
export const OMS_PREDICATE_LEGACY = 'https://model_signing/Digests/v0.1';

/** What an OMS statement signs: the manifest and how to rebuild it. */
export interface OmsStatement {
  predicateType: string;
  legacy: boolean;
  serialization: Serialization;
  /** In payload order. */
  resources: ManifestResource[];
  /** Subject sha256 (v1.0); null for the legacy predicate, which has none. */
  subjectDigest: string | null;
  subjectName: string;
}

function malformed(why: string): never {
  throw new SignatureRejection('SIGNATURE_MALFORMED', `statement: ${why}`);
}

function hexDigest(value: unknown, where: string): string {
  if (typeof value !== 'string' || !/^(?:[0-9a-fA-F]{2})+$/.test(value)) malformed(`${where} is not a hex digest`);
  return value.toLowerCase();
}

/** Parses the signed in-toto statement of an OMS signature (v1.0 predicate or the legacy Digests/v0.1). */
export function parseOmsStatement(payload: Buffer): OmsStatement {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  } catch {
    malformed('payload is not JSON');
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) malformed('payload is not a JSON object');
  const st = raw as Record<string, unknown>;
  if (st['_type'] !== IN_TOTO_STATEMENT_V1) malformed(`_type is not ${IN_TOTO_STATEMENT_V1}`);
  const predicateType = st['predicateType'];
  const subjects = st['subject'];
  if (!Array.isArray(subjects) || subjects.length === 0) malformed('no subject');
  if (predicateType === OMS_PREDICATE_V1) return parseV1(st, subjects);
  if (predicateType === OMS_PREDICATE_LEGACY) return parseLegacy(subjects);
  throw new SignatureRejection('SIGNATURE_UNSUPPORTED', `statement: predicateType ${JSON.stringify(String(predicateType).slice(0, 80))} is not an OMS model signature`);
}

function parseV1(st: Record<string, unknown>, subjects: unknown[]): OmsStatement {
  if (subjects.length !== 1) malformed(`expected exactly one subject, found ${subjects.length}`);
  const subject = subjects[0] as Record<string, unknown> | null;
  if (!subject || typeof subject !== 'object') malformed('subject[0] is not an object');
  const digest = subject['digest'] as Record<string, unknown> | null;
  if (!digest || typeof digest !== 'object') malformed('subject[0].digest is not an object');
  const subjectDigest = hexDigest(digest['sha256'], 'subject[0].digest.sha256');
  if (subjectDigest.length !== 64) malformed('subject[0].digest.sha256 is not 32 bytes');
  const predicate = st['predicate'] as Record<string, unknown> | null;
  if (!predicate || typeof predicate !== 'object' || Array.isArray(predicate)) malformed('predicate is not an object');
  const serialization = serializationFromPredicate(predicate['serialization']);
  const list = predicate['resources'];
  if (!Array.isArray(list)) malformed('predicate.resources is not a list');
  const resources = list.map((entry, i): ManifestResource => {
    const r = entry as Record<string, unknown> | null;
    if (!r || typeof r !== 'object') malformed(`predicate.resources[${i}] is not an object`);
    const { name, algorithm } = r;
    if (typeof name !== 'string') malformed(`predicate.resources[${i}].name is not a string`);
    if (typeof algorithm !== 'string') malformed(`predicate.resources[${i}].algorithm is not a string`);
    checkName(name, serialization.method, `predicate.resources[${i}]`);
    return { name, algorithm, digest: hexDigest(r['digest'], `predicate.resources[${i}].digest`) };
  });
  checkUnique(resources);
  return {
    predicateType: OMS_PREDICATE_V1,
    legacy: false,
    serialization,
    resources,
    subjectDigest,
    subjectName: typeof subject['name'] === 'string' ? subject['name'] : '',
  };
}

/** model_signing v0.2: one subject per file, files/sha256, no symlinks, no root digest. */
function parseLegacy(subjects: unknown[]): OmsStatement {
  const resources = subjects.map((entry, i): ManifestResource => {
    const s = entry as Record<string, unknown> | null;
    if (!s || typeof s !== 'object') malformed(`subject[${i}] is not an object`);
    const name = s['name'];
    if (typeof name !== 'string') malformed(`subject[${i}].name is not a string`);
    checkName(name, 'files', `subject[${i}]`);
    const digest = s['digest'] as Record<string, unknown> | null;
    if (!digest || typeof digest !== 'object') malformed(`subject[${i}].digest is not an object`);
    const hex = hexDigest(digest['sha256'], `subject[${i}].digest.sha256`);
    if (hex.length !== 64) malformed(`subject[${i}].digest.sha256 is not 32 bytes`);
    return { name, algorithm: 'sha256', digest: hex };
  });
  checkUnique(resources);
  return {
    predicateType: OMS_PREDICATE_LEGACY,
    legacy: true,
    serialization: { method: 'files', hashType: 'sha256', allowSymlinks: false, ignorePaths: [] },
    resources,
    subjectDigest: null,
    subjectName: '',
  };
}

function checkName(name: string, method: Serialization['method'], where: string): void {
  let path = name;
  if (method === 'shards') {
    const shard = parseShardName(name);
    if (!shard) malformed(`${where}.name ${JSON.stringify(name.slice(0, 200))} is not <path>:<start>:<end>`);
    path = shard.path;
  }
  const why = unsafePathReason(path);
  if (why) malformed(`${where}.name ${JSON.stringify(name.slice(0, 200))} is unsafe (${why})`);
}

function checkUnique(resources: readonly ManifestResource[]): void {
  const seen = new Set<string>();
  for (const r of resources) {
    if (seen.has(r.name)) malformed(`resource ${JSON.stringify(r.name.slice(0, 200))} is listed twice`);
    seen.add(r.name);
  }
}
