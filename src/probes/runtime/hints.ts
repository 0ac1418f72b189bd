import type { ImageLayout, ProbeProfile, ProbeTask } from '../types.js';

/** What the policy (or the caller) says about a model, filling what its signature cannot tell. */
export interface ProfileHints {
  task?: ProbeTask;
  layout?: ImageLayout;
  /** Raw value range the model expects; default [0, 1] for images. */
  range?: [number, number];
  mean?: number[];
  std?: number[];
  classCount?: number;
  specialTokenIds?: number[];
  /** Padding token id; default 0. */
  padId?: number;
  vocabSize?: number;
  /** The graph input carrying the data, when the model has several candidates. */
  inputName?: string;
  /** The graph output carrying the class scores, when the model has several candidates. */
  outputName?: string;
  /** Other inputs held at a fixed value (configuration scalars such as a sample rate). */
  fixedInputs?: ProbeProfile['fixedInputs'];
  /** Per-sample shape without the batch dim ([C,H,W], [H,W,C] or [T]), for models with symbolic dims. */
  sampleShape?: number[];
}

export type ProfileResult = ProbeProfile | { unprobeable: string };

export function isUnprobeable(result: ProfileResult): result is { unprobeable: string } {
  return 'unprobeable' in result;
}
