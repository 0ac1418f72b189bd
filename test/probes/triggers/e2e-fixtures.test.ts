/**
 * End to end on P1's fixtures with real onnxruntime-node inference: every poisoned model is failed
 * with the planted target class and a trigger overlapping the planted one (by the known families or,
 * when they miss, by reverse-engineering); every clean model shows no evidence.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadGoldenSet, runGoldenStage } from '../../../src/probes/golden/index.js';
import { createBudget, inferProfile, isUnprobeable, openClassifier } from '../../../src/probes/runtime/index.js';
import { runKnownTriggers, runReverseEngineering } from '../../../src/probes/triggers/index.js';
import { DEFAULT_THRESHOLDS, type StageResult, type TriggerEvidence } from '../../../src/probes/types.js';

const ROOT = join(import.meta.dirname, '../../../fixtures/models/probes');
const MANIFEST = join(ROOT, 'MANIFEST.json');

interface Entry {
  name: string;
  path: string;
  golden: string;
  task: 'image-classification' | 'text-classification';
  poisoned: boolean;
  attack: { kind: string; targetClass: number; trigger: Record<string, unknown> } | null;
  range: [number, number] | null;
  layout: 'NCHW' | 'NHWC' | null;
  text: { vocabSize: number; padId: number; specialTokenIds: number[] } | null;
  inputName: string;
  outputName: string;
  fixedInputs?: Record<string, { type: 'float32' | 'int64' | 'int32'; shape: number[]; values: number[] }> | null;
}

/**
 * Poisoned fixtures these two stages are known not to catch, with the reason (they are left to other
 * stages): asserted only not to be failed with a WRONG target.
 */
const KNOWN_MISSES: Record<string, string> = {
  'mlp-graph-sigmoid': 'a 2x6 band gate behind a saturating sigmoid; left to static graph analysis and gate confirmation',
};

const entries: Entry[] = existsSync(MANIFEST) ? (JSON.parse(readFileSync(MANIFEST, 'utf8')) as { models: Entry[] }).models : [];
const timings: string[] = [];

async function probe(e: Entry): Promise<{ known: StageResult; reverse?: StageResult }> {
  const bytes = readFileSync(join(ROOT, e.path));
  const common = { inputName: e.inputName, outputName: e.outputName, ...(e.fixedInputs ? { fixedInputs: e.fixedInputs } : {}) };
  const hints =
    e.task === 'text-classification'
      ? { ...common, task: e.task, vocabSize: e.text!.vocabSize, padId: e.text!.padId, specialTokenIds: e.text!.specialTokenIds }
      : { ...common, task: e.task, range: e.range ?? [0, 1], layout: e.layout ?? 'NCHW' };
  const profile = inferProfile(bytes, hints as Parameters<typeof inferProfile>[1]);
  if (isUnprobeable(profile)) throw new Error(`${e.name}: ${profile.unprobeable}`);
  const budget = createBudget(50_000);
  const classifier = await openClassifier(bytes, profile, { budget, threads: 1 });
  try {
    const golden = await loadGoldenSet(join(ROOT, e.golden));
    const { baseline } = await runGoldenStage({ classifier, golden, budget, thresholds: DEFAULT_THRESHOLDS });
    const o = { classifier, golden, baseline, budget, thresholds: DEFAULT_THRESHOLDS };
    const known = await runKnownTriggers(o);
    const needReverse = !e.poisoned || known.outcome !== 'fail' || e.task === 'text-classification';
    const reverse = needReverse ? await runReverseEngineering({ ...o, depth: 'standard' }) : undefined;
    timings.push(
      `${e.name}: known ${known.passes} passes ${known.durationMs} ms` +
        (reverse ? `; reverse ${reverse.passes} passes ${reverse.durationMs} ms` : ''),
    );
    return { known, ...(reverse ? { reverse } : {}) };
  } finally {
    await classifier.close();
  }
}

/** Plane pixels (y * W + x) a trigger writes, when it is a patch, mask or sparse trigger. */
function pixelsOf(t: TriggerEvidence, width: number): number[] {
  if (Array.isArray(t.params['pixels'])) return t.params['pixels'] as number[];
  if (t.family !== 'patch') return [];
  const out: number[] = [];
  const { x, y, size } = t.params as { x: number; y: number; size: number };
  for (let dy = 0; dy < size; dy++) for (let dx = 0; dx < size; dx++) out.push((y + dy) * width + x + dx);
  return out;
}

function plantedPixels(trigger: Record<string, unknown>, width: number): number[] {
  if (Array.isArray(trigger['pixels'])) return (trigger['pixels'] as Array<[number, number]>).map(([r, c]) => r * width + c);
  const row = Number(trigger['row']);
  const col = Number(trigger['col']);
  const h = Number(trigger['height'] ?? trigger['size']);
  const w = Number(trigger['width'] ?? trigger['size']);
  const out: number[] = [];
  for (let r = row; r < row + h; r++) for (let c = col; c < col + w; c++) out.push(r * width + c);
  return out;
}

function nearPlanted(t: TriggerEvidence, e: Entry): boolean {
  const planted = e.attack!.trigger;
  if (e.task === 'text-classification') return (planted['tokens'] as number[]).every((id) => (t.params['tokens'] as number[]).includes(id));
  if (planted['kind'] === 'blend') return t.family === 'blend';
  const width = 16;
  const want = new Set(plantedPixels(planted, width));
  return pixelsOf(t, width).some((p) => want.has(p));
}

describe.skipIf(entries.length === 0)('trigger stages on the probe fixtures (onnxruntime-node)', () => {
  afterAll(() => {
    if (timings.length > 0) console.log(`trigger stages, standard budget:\n  ${timings.join('\n  ')}`);
  });

  for (const e of entries) {
    const title = !e.poisoned
      ? 'clean → no evidence'
      : e.name in KNOWN_MISSES
        ? `poisoned (${e.attack?.kind}), known miss of these stages → at least no wrong-target fail`
        : `poisoned (${e.attack?.kind}) → fail, target ${e.attack?.targetClass}`;
    it(`${e.name}: ${title}`, async () => {
      const { known, reverse } = await probe(e);
      for (const r of [known, reverse]) if (r) expect(['ran', 'budget-exhausted']).toContain(r.status);
      if (!e.poisoned) {
        expect(known.outcome).toBe('none');
        expect(reverse!.outcome).toBe('none');
        expect(known.summary).toMatch(/no evidence of a backdoor found/);
        return;
      }
      const target = e.attack!.targetClass;
      const failing = [known, reverse].filter((r): r is StageResult => r?.outcome === 'fail');
      for (const r of failing) expect(r.triggers![0]!.targetClass).toBe(target);
      if (e.name in KNOWN_MISSES) return;
      expect(failing.length).toBeGreaterThan(0);
      const top = failing[0]!.triggers![0]!;
      expect(top.asr).toBeGreaterThanOrEqual(DEFAULT_THRESHOLDS.asrFail);
      expect(nearPlanted(top, e)).toBe(true);
      if (e.task === 'text-classification') {
        expect(reverse!.outcome).toBe('fail');
        expect(reverse!.triggers![0]!.params['foundBy']).toBe('group-testing');
        expect(nearPlanted(reverse!.triggers![0]!, e)).toBe(true);
      }
    });
  }
});
