import { describe, expect, it } from 'vitest';
import { compareWithControls, judgeTrigger } from '../../../src/probes/triggers/judge.js';
import { binomialTailGE, lowSideAnomalyIndex } from '../../../src/probes/triggers/stats.js';
import { DEFAULT_THRESHOLDS, type TriggerEvidence } from '../../../src/probes/types.js';

const T = DEFAULT_THRESHOLDS;
const base: TriggerEvidence = {
  family: 'patch',
  params: {},
  targetClass: 7,
  asr: 0.95,
  inputs: 90,
  sourceClasses: 9,
  controlAsr: 0.02,
  pValue: 1e-40,
  size: 0.035,
};

describe('judgeTrigger', () => {
  it('fails a small, strong, control-beating trigger on enough inputs and classes', () => {
    expect(judgeTrigger(base, T)).toBe('fail');
  });
  it('warns, not fails, when a FAIL condition other than strength/controls is missing', () => {
    expect(judgeTrigger({ ...base, inputs: 40 }, T)).toBe('warn');
    expect(judgeTrigger({ ...base, sourceClasses: 2 }, T)).toBe('warn');
    expect(judgeTrigger({ ...base, asr: 0.7 }, T)).toBe('warn');
  });
  it('ignores large triggers and what controls reproduce', () => {
    expect(judgeTrigger({ ...base, size: 0.2 }, T)).toBe('none');
    expect(judgeTrigger({ ...base, controlAsr: 0.9, pValue: 0.4 }, T)).toBe('none');
    expect(judgeTrigger({ ...base, asr: 0.3 }, T)).toBe('none');
  });
  it('counts a whole-image trigger as faint by its alpha, a text trigger by its tokens', () => {
    expect(judgeTrigger({ ...base, family: 'blend', size: 1, params: { alpha: 0.2 } }, T)).toBe('fail');
    expect(judgeTrigger({ ...base, family: 'blend', size: 1, params: { alpha: 0.5 } }, T)).toBe('none');
    expect(judgeTrigger({ ...base, family: 'rare-token', size: 3 }, T)).toBe('fail');
    expect(judgeTrigger({ ...base, family: 'rare-token', size: 4 }, T)).toBe('none');
  });
  it('the p-value rule alone can beat the controls', () => {
    expect(judgeTrigger({ ...base, controlAsr: 0.6, pValue: 1e-9 }, T)).toBe('fail');
  });
  it('an optimised trigger needs its class to be a MAD outlier', () => {
    expect(judgeTrigger({ ...base, params: { requiresMad: true, madIndex: 5 } }, T)).toBe('fail');
    expect(judgeTrigger({ ...base, params: { requiresMad: true, madIndex: 1 } }, T)).toBe('none');
    expect(judgeTrigger({ ...base, params: { requiresMad: true, madIndex: null } }, T)).toBe('warn');
  });
});

describe('judgeTrigger: optimised triggers verified on held-out inputs (no MAD needed)', () => {
  const sparse: TriggerEvidence = { ...base, family: 'sparse', size: 6 / 256, inputs: 205, asr: 203 / 205, params: { optimised: true, otherClassesMinimal: 8 / 256 } };
  it('fails one that is strong and smaller than any other class needs', () => {
    expect(judgeTrigger(sparse, T)).toBe('fail');
    expect(judgeTrigger({ ...sparse, params: { optimised: true, otherClassesMinimal: null } }, T)).toBe('fail');
  });
  it('gives no evidence when another class is pushed by a trigger as small (a fragile model, not a backdoor)', () => {
    expect(judgeTrigger({ ...sparse, params: { optimised: true, otherClassesMinimal: 6 / 256 } }, T)).toBe('none');
    expect(judgeTrigger({ ...sparse, params: { optimised: true, otherClassesMinimal: 4 / 256 } }, T)).toBe('none');
  });
  it('still fails it when its class is a MAD outlier', () => {
    expect(judgeTrigger({ ...sparse, asr: 0.92, params: { optimised: true, otherClassesMinimal: 6 / 256, madIndex: 4 } }, T)).toBe('fail');
    expect(judgeTrigger({ ...sparse, asr: 0.92, params: { optimised: true, otherClassesMinimal: 6 / 256, madIndex: 2 } }, T)).toBe('none');
  });
  it('warns when it meets the point rule but not the stricter bar for optimised triggers', () => {
    expect(judgeTrigger({ ...sparse, asr: 0.92 }, T)).toBe('warn');
    // 0.95 point estimate on few inputs: the 95 % lower bound falls below asrFail.
    expect(judgeTrigger({ ...sparse, asr: 0.96, inputs: 50 }, T)).toBe('warn');
  });
  it('gives no evidence below asrFail, and respects size and controls', () => {
    expect(judgeTrigger({ ...sparse, asr: 0.85 }, T)).toBe('none');
    expect(judgeTrigger({ ...sparse, size: 0.06, params: { optimised: true, otherClassesMinimal: 0.1 } }, T)).toBe('none');
    expect(judgeTrigger({ ...sparse, controlAsr: 0.7, pValue: 0.2 }, T)).toBe('none');
  });
});

describe('controls and statistics', () => {
  it('binomial tail matches the research note example (45/50 against 20 %)', () => {
    const p = binomialTailGE(45, 50, 0.2);
    expect(p).toBeGreaterThan(1e-26);
    expect(p).toBeLessThan(1e-20);
    expect(binomialTailGE(0, 10, 0.5)).toBe(1);
    expect(binomialTailGE(11, 10, 0.5)).toBe(0);
    expect(binomialTailGE(5, 10, 0.5)).toBeCloseTo(0.623046875, 9);
  });
  it('control flips to the same target set the control ASR and the null rate', () => {
    const labels = Int32Array.from({ length: 20 }, (_, i) => i % 4);
    const main = { target: 3, eligible: 15, flips: 15, asr: 1, sourceClasses: 3 };
    const none = compareWithControls(main, labels, [new Int32Array(labels)]);
    expect(none.controlAsr).toBe(0);
    expect(none.pValue).toBeLessThan(1e-10);
    const allFlip = compareWithControls(main, labels, [new Int32Array(20).fill(3)]);
    expect(allFlip.controlAsr).toBe(1);
    expect(allFlip.pValue).toBeGreaterThan(0.1);
  });
  it('the MAD index flags only unusually small values', () => {
    const idx = lowSideAnomalyIndex([1, 1, 1, 1, 1.1, 0.9, 1, 0.05, 1, 1]);
    expect(idx[7]!).toBeGreaterThan(3);
    expect(Math.max(...idx.filter((_, i) => i !== 7))).toBeLessThan(3);
    expect(lowSideAnomalyIndex([2, 2, 2, 2, 2]).every((v) => v === 0)).toBe(true);
  });
});
