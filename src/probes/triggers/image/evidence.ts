import type { TriggerEvidence } from '../../types.js';
import { predictBatches } from '../batch.js';
import type { Evaluator } from '../evaluator.js';
import { compareWithControls } from '../judge.js';
import { bestTarget, flipsTo } from '../scoring.js';
import type { ImageGeometry } from './geometry.js';
import { canonicalToPixels, renderPreview, sampleToCanonical, triggeredBatch, type ImageTrigger } from './trigger.js';

/** Predictions of each trigger on the same inputs. */
export async function predictTriggers(
  ev: Evaluator,
  g: ImageGeometry,
  source: Float32Array,
  triggers: readonly ImageTrigger[],
  indices: readonly number[],
): Promise<Int32Array[]> {
  const batches = triggers.map((t) => () => triggeredBatch(g, t, source, indices));
  return predictBatches(ev, batches, indices.length);
}

/**
 * The evidence record of a trigger measured on `indices` beside its controls (all predictions already
 * made on the same inputs). `target` fixes the target class; otherwise the most frequent new label.
 */
export function imageEvidence(
  g: ImageGeometry,
  trigger: ImageTrigger,
  source: Float32Array,
  indices: readonly number[],
  labels: Int32Array,
  predicted: Int32Array,
  controls: readonly Int32Array[],
  classCount: number,
  target?: number,
): TriggerEvidence {
  const main = target === undefined ? bestTarget(labels, predicted, classCount) : flipsTo(labels, predicted, target);
  const cmp = compareWithControls(main, labels, controls);
  const params: Record<string, unknown> = { ...trigger.params, controls: cmp.controls };
  if (trigger.alpha !== undefined) params['alpha'] = trigger.alpha;
  const evidence: TriggerEvidence = {
    family: trigger.family,
    params,
    targetClass: main.target,
    asr: main.asr,
    inputs: main.eligible,
    sourceClasses: main.sourceClasses,
    controlAsr: cmp.controlAsr,
    pValue: cmp.pValue,
    size: trigger.area,
    preview: renderPreview(g, trigger),
  };
  const flipped = indices.findIndex((_, i) => labels[i] !== main.target && predicted[i] === main.target);
  const shown = flipped >= 0 ? flipped : indices.findIndex((_, i) => labels[i] !== main.target);
  if (shown >= 0) {
    const one = triggeredBatch(g, trigger, source, [indices[shown]!]);
    evidence.example = canonicalToPixels(g, sampleToCanonical(g, one));
  }
  return evidence;
}
