import type { StageResult } from '../types.js';
import { imageGeometry } from './image/geometry.js';
import { reverseEngineerImage, type Depth } from './reverse/image-search.js';
import { reverseEngineerText } from './reverse/text-search.js';
import { runTriggerStage, StageNotApplicable, type TriggerStageOptions } from './stage.js';
import { tokenSpace } from './text/tokens.js';

/** Trigger reverse-engineering from forward passes only (patch search + NES for images, group testing for text). */
export async function runReverseEngineering(o: TriggerStageOptions & { depth: Depth }): Promise<StageResult> {
  return runTriggerStage('reverse-engineering', o, async ({ ev, rng }, progress) => {
    const profile = o.classifier.profile;
    progress.details['depth'] = o.depth;
    if (o.baseline.correct.length === 0) throw new StageNotApplicable('no golden input is classified correctly; nothing to apply triggers to', 'skipped');
    const common = { ev, golden: o.golden, baseline: o.baseline, profile, thresholds: o.thresholds, rng, depth: o.depth };
    if (profile.task === 'image-classification') {
      if (!(o.golden.inputs instanceof Float32Array)) throw new StageNotApplicable('image golden inputs are not float32');
      await reverseEngineerImage({ ...common, g: imageGeometry(profile, o.inputsNormalised ?? false) }, progress);
    } else if (profile.task === 'text-classification') {
      await reverseEngineerText({ ...common, s: tokenSpace(profile, o.golden) }, progress);
    } else {
      throw new StageNotApplicable(`task ${String(profile.task)} has no reverse-engineering search`);
    }
  });
}
