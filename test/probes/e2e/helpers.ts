import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_PROBES_POLICY, type ProbesPolicy } from '../../../src/probes/policy.js';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const PROBES_DIR = join(ROOT, 'fixtures/models/probes');
export const REAL_MODELS = join(ROOT, '../shared/realmodels');

export interface ManifestModel {
  name: string;
  path: string;
  golden: string;
  task: 'image-classification' | 'text-classification';
  poisoned: boolean;
  attack: null | { kind: string; trigger: Record<string, unknown>; targetClass?: number };
  classCount: number;
  text: null | { vocabSize: number; sequenceLength: number; padId: number; specialTokenIds: number[] };
  /** Configuration inputs the user would pin in the policy (probes.fixed_inputs). */
  fixedInputs?: Record<string, { type: 'float32' | 'int64' | 'int32'; shape: number[]; values: number[] }> | null;
}

export function manifest(): ManifestModel[] {
  return (JSON.parse(readFileSync(join(PROBES_DIR, 'MANIFEST.json'), 'utf8')) as { models: ManifestModel[] }).models;
}

/** The policy a user would write for this fixture: its task facts, the golden set, probes required. */
export function policyFor(m: ManifestModel, over: Partial<ProbesPolicy> = {}): ProbesPolicy {
  return {
    ...DEFAULT_PROBES_POLICY,
    required: true,
    golden: m.golden,
    hints: {
      ...(m.text ? { task: 'text-classification', specialTokenIds: m.text.specialTokenIds, padId: m.text.padId } : { task: 'image-classification' }),
      ...(m.fixedInputs ? { fixedInputs: m.fixedInputs } : {}),
    },
    ...over,
  };
}

export const modelFile = (m: ManifestModel) => ({ path: m.path, absPath: join(PROBES_DIR, m.path), format: 'onnx' });
