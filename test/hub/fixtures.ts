import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { commitSha } from './hashes.js';
import type { HubFile, HubRepo } from './types.js';

/** The repository's generated model fixtures (`npm run fixtures`). */
export const FIXTURES = fileURLToPath(new URL('../../fixtures/models/', import.meta.url));

export function fixture(relative: string): Buffer {
  return readFileSync(`${FIXTURES}${relative}`);
}

function exampleFiles(): HubFile[] {
  return [
    { path: 'README.md', content: fixture('example/README.md') },
    { path: 'config.json', content: fixture('example/config.json') },
    { path: 'model.safetensors', content: fixture('example/model.safetensors'), lfs: true },
  ];
}

/** fixtures/models/example as a hub repo (model.safetensors in LFS): APPROVE. */
export function exampleRepo(id = 'acme/example'): HubRepo {
  const sha = commitSha(`${id}@1`);
  return { id, commits: { [sha]: exampleFiles() }, refs: { main: sha } };
}

/** A pytorch_model.bin whose data.pkl calls os.system (fixtures/models/torch/poisoned-data-pkl.pt): DENY. */
export function poisonedRepo(id = 'acme/poisoned'): HubRepo {
  const sha = commitSha(`${id}@1`);
  const files: HubFile[] = [
    { path: 'config.json', content: fixture('example/config.json') },
    { path: 'pytorch_model.bin', content: fixture('torch/poisoned-data-pkl.pt'), lfs: true },
  ];
  return { id, commits: { [sha]: files }, refs: { main: sha } };
}

/** The example behind a gate: files need `hub.token`. */
export function gatedRepo(id = 'acme/gated'): HubRepo {
  return { ...exampleRepo(id), gated: true };
}

/** The example as a private repo: everything needs `hub.token`. */
export function privateRepo(id = 'acme/private'): HubRepo {
  return { ...exampleRepo(id), private: true };
}

export interface NestedCommits {
  /** tag v1.0 */
  v1: string;
  /** branch main */
  main: string;
  /** refs/pr/1 */
  pr: string;
}

export function nestedCommits(id = 'acme/nested'): NestedCommits {
  return { v1: commitSha(`${id}@v1`), main: commitSha(`${id}@main`), pr: commitSha(`${id}@pr1`) };
}

/**
 * Three commits with nested folders, every file clean (APPROVE at each revision):
 * v1.0 = example files + tokenizer/vocab.json; main adds onnx/model.onnx (LFS) and
 * weights/extra/array.npy; refs/pr/1 adds weights/torch/model.pt (LFS). model.safetensors is the same
 * blob in all three (dedup in the cache).
 */
export function nestedRepo(id = 'acme/nested'): HubRepo {
  const c = nestedCommits(id);
  const v1: HubFile[] = [...exampleFiles(), { path: 'tokenizer/vocab.json', content: Buffer.from('{"<pad>": 0, "hello": 1, "world": 2}\n') }];
  const main: HubFile[] = [
    ...v1,
    { path: 'onnx/model.onnx', content: fixture('onnx/classifier.onnx'), lfs: true },
    { path: 'weights/extra/array.npy', content: fixture('numpy/float32-v1.npy') },
  ];
  const pr: HubFile[] = [...main, { path: 'weights/torch/model.pt', content: fixture('torch/clean-state-dict.pt'), lfs: true }];
  return { id, commits: { [c.v1]: v1, [c.main]: main, [c.pr]: pr }, refs: { main: c.main, 'v1.0': c.v1, 'refs/pr/1': c.pr } };
}
