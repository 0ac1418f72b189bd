import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashModel, omsRootDigest, serializationFromPredicate, type ManifestResource } from '../../src/verify/oms/manifest.js';
import { GOLDENS } from './vectors.js';

interface Golden {
  subject: Array<{ digest: { sha256: string } }>;
  predicate: { serialization: unknown; resources: ManifestResource[] };
}

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'oms-goldens-'));
  await writeFile(join(tmp, 'empty_file_model'), '');
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

const models: Record<string, () => string> = {
  sample_model_folder: () => join(GOLDENS, 'models/sample_model'),
  sample_model_folder_shard: () => join(GOLDENS, 'models/sample_model'),
  sample_model_folder_small_shards: () => join(GOLDENS, 'models/sample_model'),
  deep_model_folder: () => join(GOLDENS, 'models/deep_model'),
  deep_model_folder_small_shards: () => join(GOLDENS, 'models/deep_model'),
  sample_model_file: () => join(GOLDENS, 'models/single_file/file_model'),
  sample_model_file_shard: () => join(GOLDENS, 'models/single_file/file_model'),
  sample_model_file_small_shards: () => join(GOLDENS, 'models/single_file/file_model'),
  model_folder_with_empty_file: () => join(GOLDENS, 'models/empty_file_inside_model'),
  model_folder_with_empty_file_shard: () => join(GOLDENS, 'models/empty_file_inside_model'),
  empty_model_file: () => join(tmp, 'empty_file_model'),
  empty_model_file_shard: () => join(tmp, 'empty_file_model'),
};

describe('hashing goldens of model_signing (TestPayload)', () => {
  for (const [name, model] of Object.entries(models)) {
    it(`${name}: resources and subject digest`, async () => {
      const golden = JSON.parse(await readFile(join(GOLDENS, 'expected', `${name}.json`), 'utf8')) as Golden;
      const s = serializationFromPredicate(golden.predicate.serialization);
      const resources = await hashModel(model(), s, { ignore: [], concurrency: 2 });
      expect(resources).toEqual(golden.predicate.resources.map(({ name, algorithm, digest }) => ({ name, algorithm, digest })));
      expect(omsRootDigest(resources)).toBe(golden.subject[0]!.digest.sha256);
    });
  }
});
