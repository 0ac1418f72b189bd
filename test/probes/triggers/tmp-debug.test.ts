import { it } from 'vitest';
import { runReverseEngineering } from '../../../src/probes/triggers/index.js';
import { DEFAULT_THRESHOLDS } from '../../../src/probes/types.js';
import { baselineOf, createBudget, imageProfile, toyImageClassifier, toyImageGolden, type Pixel } from './toy-models.js';
const offGrid = (px: Pixel): number | undefined => {
  let s = 0;
  for (let y = 9; y < 12; y++) for (let x = 5; x < 8; x++) s += px(0, y, x);
  return s / 9 > 0.9 ? 4 : undefined;
};
it('debug', async () => {
  const budget = createBudget(35_000);
  const classifier = toyImageClassifier(imageProfile(), budget, offGrid);
  const golden = toyImageGolden(classifier.profile, 20);
  const baseline = await baselineOf(classifier, golden);
  const r = await runReverseEngineering({ classifier, golden, baseline, budget, thresholds: DEFAULT_THRESHOLDS, depth: 'standard' });
  console.log(r.outcome, r.status, r.passes, r.summary, JSON.stringify(r.details['nes']), JSON.stringify(r.details['inputs']));
  for (const t of r.triggers ?? []) console.log(t.family, t.targetClass, t.asr, t.controlAsr, t.inputs, t.size, t.params['foundBy'], t.params['requiresMad'], t.params['madIndex']);
  console.log(JSON.stringify((r.details['families'] as any).patch));
});
