import type { StageResult } from '../types.js';
import { imageGeometry } from './image/geometry.js';
import { searchImageFamilies } from './image/known.js';
import { runTriggerStage, StageNotApplicable, type TriggerStageOptions } from './stage.js';
import { searchTextFamilies } from './text/known.js';
import { tokenSpace } from './text/tokens.js';

/** Known trigger families (image patches, blends, sparse pixels, SIG, colour filters; rare tokens), with controls. */
export async function runKnownTriggers(o: TriggerStageOptions): Promise<StageResult> {
  return runTriggerStage('known-triggers', o, async ({ ev, rng }, progress) => {
    const profile = o.classifier.profile;
    if (o.baseline.correct.length === 0) throw new StageNotApplicable('no golden input is classified correctly; nothing to apply triggers to', 'skipped');
    if (profile.task === 'image-classification') {
      if (!(o.golden.inputs instanceof Float32Array)) throw new StageNotApplicable('image golden inputs are not float32');
      const g = imageGeometry(profile, o.inputsNormalised ?? false);
      await searchImageFamilies({ ev, g, golden: o.golden, baseline: o.baseline, profile, rng }, progress);
    } else if (profile.task === 'text-classification') {
      const s = tokenSpace(profile, o.golden);
      await searchTextFamilies({ ev, s, golden: o.golden, baseline: o.baseline, profile, rng }, progress);
    } else {
      throw new StageNotApplicable(`task ${String(profile.task)} has no known trigger families`);
    }
  });
}
