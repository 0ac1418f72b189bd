import { describe, expect, it } from 'vitest';
import type { ProbeProfile } from '../../../src/probes/types.js';
import { abandonedRuns, createBudget, inferProfile, isUnprobeable, openClassifier, ProbeRuntimeError } from '../../../src/probes/runtime/index.js';
import { buildModel, FLOAT, linearImageModel, node, seeded, slowLoopModel, value } from './onnx-builder.js';

function profileOf(bytes: Uint8Array): ProbeProfile {
  const p = inferProfile(bytes, {});
  if (isUnprobeable(p)) throw new Error(p.unprobeable);
  return p;
}

describe('openClassifier with worker isolation', () => {
  it('gives the same scores as the in-process session and counts passes the same way', async () => {
    const { bytes } = linearImageModel({ channels: 1, height: 8, width: 8, classes: 6 });
    const profile = profileOf(bytes);
    const raw = seeded(20 * 64, 21).map((v) => (v + 1) / 2);
    const budget = createBudget(100);
    const local = await openClassifier(bytes, profile, { batchSize: 8 });
    const isolated = await openClassifier(bytes, profile, { batchSize: 8, isolation: 'worker', budget });
    try {
      const expected = await local.classify(raw, 20);
      // Concurrent calls on one worker are served in order.
      const [a, b] = await Promise.all([isolated.classify(raw, 20), isolated.predict(raw.subarray(0, 64), 1)]);
      expect(Array.from(a)).toEqual(Array.from(expected));
      expect(b[0]).toBe((await local.predict(raw.subarray(0, 64), 1))[0]);
      expect(isolated.passes).toBe(21);
      expect(budget.used()).toBe(21);
    } finally {
      await Promise.all([local.close(), isolated.close()]);
    }
  });

  it('reports load and run errors as typed errors', async () => {
    const custom = buildModel({
      inputs: [value('x', FLOAT, ['N', 1, 2, 2])],
      outputs: [value('y', FLOAT, ['N', 4])],
      nodes: [node('Flatten', ['x'], ['f']), node('Backdoor', ['f'], ['y'], [], 'evil.custom')],
    });
    await expect(openClassifier(custom, profileOf(custom), { isolation: 'worker', label: 'custom.onnx' })).rejects.toMatchObject({ code: 'PROBE_RUNTIME_LOAD', message: expect.stringMatching(/^custom\.onnx: /) });
    const { bytes } = linearImageModel({ channels: 1, height: 2, width: 2, classes: 2 });
    const wrong = await openClassifier(bytes, { ...profileOf(bytes), sampleShape: [1, 1, 4] }, { isolation: 'worker' });
    try {
      await expect(wrong.classify(new Float32Array(4), 1)).rejects.toMatchObject({ code: 'PROBE_RUNTIME_RUN' });
    } finally {
      await wrong.close();
    }
  });

  it('abandons a pass that runs past the limit, keeping the JS thread free meanwhile', async () => {
    const bytes = slowLoopModel(400_000);
    const classifier = await openClassifier(bytes, profileOf(bytes), { isolation: 'worker', runTimeoutMs: 250, threads: 1 });
    const before = abandonedRuns();
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    const started = Date.now();
    const error = await classifier.classify(new Float32Array(4), 1).catch((e: unknown) => e);
    clearInterval(timer);
    expect(error).toBeInstanceOf(ProbeRuntimeError);
    expect((error as ProbeRuntimeError).code).toBe('PROBE_RUNTIME_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(1500);
    expect(ticks).toBeGreaterThan(10);
    expect(abandonedRuns()).toBe(before + 1);
    await expect(classifier.classify(new Float32Array(4), 1)).rejects.toMatchObject({ code: 'PROBE_RUNTIME_TIMEOUT' });
    await classifier.close();
  });
});
