/**
 * The probe harness's throughput (forward passes/s of classifier.classify) against a bare
 * session.run loop on the same model, batch size and session options, in the same run (goal >= 0.9x).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { packageRoot } from '../src/core/package-root.js';
import { defaultThreads, inferProfile, isUnprobeable, openClassifier } from '../src/probes/runtime/index.js';
import { bestOf, ratioLine } from './lib.js';

interface Case {
  name: string;
  file: string;
  batch: number;
  samples: number;
  range?: [number, number];
  isolation?: 'in-process' | 'worker';
}

const CASES: Case[] = [
  { name: 'mnist-8 (fixed batch 1)', file: join(packageRoot(), '..', 'shared', 'realmodels', 'migraphx-doc', 'mnist-8.onnx'), batch: 1, samples: 2000, range: [0, 255] },
  { name: 'fixture cnn-clean, batch 64', file: join(packageRoot(), 'fixtures', 'models', 'probes', 'cnn-clean', 'model.onnx'), batch: 64, samples: 8192 },
  { name: 'fixture cnn-clean, batch 1', file: join(packageRoot(), 'fixtures', 'models', 'probes', 'cnn-clean', 'model.onnx'), batch: 1, samples: 2000 },
  { name: 'cnn-clean, batch 64, worker', file: join(packageRoot(), 'fixtures', 'models', 'probes', 'cnn-clean', 'model.onnx'), batch: 64, samples: 8192, isolation: 'worker' },
  { name: 'cnn-clean, batch 512, worker (what check uses for 16x16 inputs)', file: join(packageRoot(), 'fixtures', 'models', 'probes', 'cnn-clean', 'model.onnx'), batch: 512, samples: 16384, isolation: 'worker' },
  { name: 'cnn-clean, batch 8, worker', file: join(packageRoot(), 'fixtures', 'models', 'probes', 'cnn-clean', 'model.onnx'), batch: 8, samples: 4096, isolation: 'worker' },
];

const ROUNDS = 9;

async function measure(c: Case): Promise<string> {
  const bytes = await readFile(c.file);
  const profile = inferProfile(bytes, c.range ? { range: c.range } : {});
  if (isUnprobeable(profile)) return `probe harness ${c.name}: unprobeable (${profile.unprobeable})`;
  const sample = profile.sampleShape.reduce((a, b) => a * b, 1);
  const inputs = Float32Array.from({ length: c.samples * sample }, (_, i) => ((i * 2654435761) % 1000) / 1000);
  const classifier = await openClassifier(bytes, profile, { batchSize: c.batch, isolation: c.isolation ?? 'in-process' });
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: defaultThreads(),
    interOpNumThreads: 1,
    executionMode: 'sequential',
  });
  const bare = async () => {
    for (let start = 0; start < c.samples; start += c.batch) {
      const n = Math.min(c.batch, c.samples - start);
      const tensor = new ort.Tensor('float32', inputs.subarray(start * sample, (start + n) * sample), [n, ...profile.sampleShape]);
      await session.run({ [profile.inputName]: tensor }, [profile.outputName]);
    }
  };
  const harness = () => classifier.classify(inputs, c.samples);
  await bare();
  await harness();
  // Interleaved rounds, alternating which side goes first, so drift in machine load hits both alike;
  // the ratio is the median of the per-round ratios, the rates the best rounds.
  let bareMs = Infinity;
  let harnessMs = Infinity;
  const ratios: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const first = round % 2 === 0;
    const h1 = first ? await bestOf(1, harness) : 0;
    const b = await bestOf(1, bare);
    const h = first ? h1 : await bestOf(1, harness);
    bareMs = Math.min(bareMs, b);
    harnessMs = Math.min(harnessMs, h);
    ratios.push(b / h);
  }
  ratios.sort((x, y) => x - y);
  const ratio = ratios[ratios.length >> 1]!;
  await classifier.close();
  await session.release();
  const rate = (ms: number) => (c.samples / (ms / 1000)).toFixed(0);
  return ratioLine(`probe harness ${c.name}`, ratio, 0.9, `harness ${rate(harnessMs)} passes/s, bare session.run ${rate(bareMs)} passes/s (${defaultThreads()} threads)`);
}

export async function run(): Promise<string[]> {
  const lines: string[] = [];
  for (const c of CASES) {
    try {
      lines.push(await measure(c));
    } catch (error) {
      lines.push(`probe harness ${c.name}: could not run (${(error as Error).message})`);
    }
  }
  return lines;
}

export const benchProbeHarness = run;

if (import.meta.url === `file://${process.argv[1]}`) for (const line of await run()) process.stdout.write(line + '\n');
