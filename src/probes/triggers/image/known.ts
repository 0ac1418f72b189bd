import type { CleanBaseline, GoldenSet, ProbeProfile, TriggerEvidence } from '../../types.js';
import type { Evaluator } from '../evaluator.js';
import { labelsOf, selectInputs } from '../inputs.js';
import type { Rng } from '../rng.js';
import { bestTarget } from '../scoring.js';
import { controlFor, knownBlends, knownFilters, knownPatches, knownSig, knownSparse } from './families.js';
import type { ImageGeometry } from './geometry.js';
import { imageEvidence, predictTriggers } from './evidence.js';
import type { ImageTrigger } from './trigger.js';

export const KNOWN_IMAGE_LIMITS = {
  inputs: 120,
  screenInputs: 20,
  /** Screening ASR that earns a full measurement. */
  promoteAsr: 0.3,
  maxPromoted: 8,
  minPromoted: 2,
  controlsPerKey: 6,
};

/** What the family search has done so far; filled as it goes so a budget stop keeps the partial work. */
export interface KnownImageProgress {
  evidence: TriggerEvidence[];
  details: Record<string, unknown>;
}

export function knownImageVariants(g: ImageGeometry, rng: Rng): ImageTrigger[] {
  return [...knownPatches(g), ...knownBlends(g), ...knownSparse(g, rng.fork('sparse')), ...knownSig(g), ...knownFilters(g)];
}

/**
 * Screens every known image family on a class-balanced prefix of the inputs, then measures the
 * promising variants on all inputs beside random controls of the same size and energy.
 */
export async function searchImageFamilies(
  o: { ev: Evaluator; g: ImageGeometry; golden: GoldenSet; baseline: CleanBaseline; profile: ProbeProfile; rng: Rng },
  progress: KnownImageProgress,
): Promise<void> {
  const { ev, g, golden, profile, rng } = o;
  const source = golden.inputs as Float32Array;
  const indices = selectInputs(golden, o.baseline, KNOWN_IMAGE_LIMITS.inputs, rng.fork('inputs'));
  const labels = labelsOf(golden, indices);
  const variants = knownImageVariants(g, rng);
  const byFamily: Record<string, number> = {};
  for (const v of variants) byFamily[v.family] = (byFamily[v.family] ?? 0) + 1;
  Object.assign(progress.details, { inputs: indices.length, variants: variants.length, variantsByFamily: byFamily });

  const screenIdx = indices.slice(0, Math.min(KNOWN_IMAGE_LIMITS.screenInputs, indices.length));
  const screenLabels = labels.slice(0, screenIdx.length);
  const screenPred = await predictTriggers(ev, g, source, variants, screenIdx);
  const screened = variants.map((v, i) => ({ v, s: bestTarget(screenLabels, screenPred[i]!, profile.classCount) }));
  screened.sort((a, b) => b.s.asr - a.s.asr);
  progress.details['screened'] = variants.length;
  progress.details['bestScreenAsr'] = screened[0]?.s.asr ?? 0;

  const promoted = screened
    .filter((x, i) => i < KNOWN_IMAGE_LIMITS.minPromoted || x.s.asr >= KNOWN_IMAGE_LIMITS.promoteAsr)
    .slice(0, KNOWN_IMAGE_LIMITS.maxPromoted)
    .map((x) => x.v);
  progress.details['promoted'] = promoted.length;

  const controlCache = new Map<string, Int32Array[]>();
  for (const trigger of promoted) {
    let controls = controlCache.get(trigger.controlKey);
    if (controls === undefined) {
      const crng = rng.fork(`control:${trigger.controlKey}`);
      const made = Array.from({ length: KNOWN_IMAGE_LIMITS.controlsPerKey }, () => controlFor(g, trigger, crng));
      controls = await predictTriggers(ev, g, source, made, indices);
      controlCache.set(trigger.controlKey, controls);
    }
    const [predicted] = await predictTriggers(ev, g, source, [trigger], indices);
    progress.evidence.push(imageEvidence(g, trigger, source, indices, labels, predicted!, controls, profile.classCount));
  }
  progress.details['controlSets'] = controlCache.size;
}
