/**
 * End to end with real onnxruntime-node inference: the text fixtures copied beside a tokenizer that
 * spells the planted trigger id 997 as `cf` (and `mn` at an id the model ignores). The known-trigger
 * stage names the word, the clean model shows no evidence, and the tokenizer's special ids reach the profile.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultParts } from '../../../src/probes/default-parts.js';
import { loadGoldenSet } from '../../../src/probes/golden/index.js';
import { DEFAULT_PROBES_POLICY, type ProbesPolicy } from '../../../src/probes/policy.js';
import { probeModel } from '../../../src/probes/run-model.js';
import type { GoldenSet } from '../../../src/probes/types.js';

const FIXTURES = join(import.meta.dirname, '../../../fixtures/models/probes');
const VOCAB = 1000;
const SPECIALS = ['[PAD]', '[CLS]', '[SEP]', '[UNK]'];
const tmp = mkdtempSync(join(tmpdir(), 'modelscan-tokenizer-e2e-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Every id gets a distinct spelling: specials, `cf` at 997, `mn` at 500, short pieces at the far end. */
function words(): string[] {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const out: string[] = [];
  for (let id = 0; id < VOCAB; id++) {
    if (id < SPECIALS.length) out.push(SPECIALS[id]!);
    else if (id === 997) out.push('cf');
    else if (id === 500) out.push('mn');
    else if (id >= 900) out.push('z' + letters[Math.floor((id - 900) / 26) % 26]! + letters[(id - 900) % 26]!);
    else out.push(`word${id}`);
  }
  return out;
}

function modelFolder(fixture: string, tokenizer: 'vocab.txt' | 'tokenizer.json'): string {
  const dir = join(tmp, `${fixture}-${tokenizer}`);
  mkdirSync(dir);
  copyFileSync(join(FIXTURES, fixture, 'model.onnx'), join(dir, 'model.onnx'));
  const w = words();
  if (tokenizer === 'vocab.txt') writeFileSync(join(dir, 'vocab.txt'), w.join('\n') + '\n');
  else {
    const vocab = Object.fromEntries(w.map((t, id) => [t, id]));
    const added = SPECIALS.map((content, id) => ({ id, content, special: true }));
    writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify({ version: '1.0', added_tokens: added, model: { type: 'WordPiece', unk_token: '[UNK]', vocab } }));
  }
  return dir;
}

const policy: ProbesPolicy = {
  ...DEFAULT_PROBES_POLICY,
  stages: ['golden', 'known-triggers'],
  budget: 20_000,
  // Only the pad id comes from the policy: the other special ids come from the tokenizer.
  hints: { task: 'text-classification', inputName: 'input_ids', outputName: 'logits', vocabSize: VOCAB, padId: 0, specialTokenIds: [0] },
};

async function probe(dir: string, golden: GoldenSet) {
  const { readFileSync } = await import('node:fs');
  const out = await probeModel('model.onnx', new Uint8Array(readFileSync(join(dir, 'model.onnx'))), { parts: defaultParts(), policy, golden: { set: golden }, modelDir: dir });
  return out.report;
}

describe('text triggers from the model tokenizer (real inference)', () => {
  it.each(['tokenizer.json', 'vocab.txt'] as const)('names the planted trigger as the word cf (%s)', async (file) => {
    const golden = await loadGoldenSet(join(FIXTURES, 'golden/tokens-a.npz'));
    const report = await probe(modelFolder('text-rare-token', file), golden);
    expect(report.profile?.text?.specialTokenIds).toEqual([0, 1, 2, 3]);
    expect(report.profile?.text?.tokens?.known).toEqual(expect.arrayContaining([{ word: 'cf', ids: [997], spellings: ['cf'] }, { word: 'mn', ids: [500], spellings: ['mn'] }]));
    const known = report.stages.find((s) => s.stage === 'known-triggers')!;
    expect(known.outcome).toBe('fail');
    const top = known.triggers![0]!;
    expect(top.targetClass).toBe(2);
    expect(top.params['words']).toContain('cf');
    const single = known.triggers!.find((t) => JSON.stringify(t.params['tokens']) === '[997]')!;
    expect(single.params['words']).toEqual(['cf']);
    expect(single.asr).toBeGreaterThanOrEqual(0.9);
    expect(single.targetClass).toBe(2);
    expect(known.details['vocabulary']).toMatchObject({ source: file, knownWords: ['cf', 'mn'] });
  }, 60_000);

  it('keeps the clean model at no evidence with the same tokenizer', async () => {
    const golden = await loadGoldenSet(join(FIXTURES, 'golden/tokens-a.npz'));
    const report = await probe(modelFolder('text-clean', 'vocab.txt'), golden);
    const known = report.stages.find((s) => s.stage === 'known-triggers')!;
    expect(known.status).toBe('ran');
    expect(known.outcome).toBe('none');
    expect(report.stages.find((s) => s.stage === 'graph')?.outcome).toBe('none');
  }, 60_000);
});

describe('modelscan check on a text model folder that ships its tokenizer (backdoor-audit policy)', () => {
  const root = join(import.meta.dirname, '../../..');
  const golden = join(FIXTURES, 'golden', 'tokens-a.npz');
  const audit = join(root, 'policies', 'backdoor-audit.yaml');

  it('denies the rare-token model naming the word from vocab.txt, and vocab.txt itself is plain text', async () => {
    const { check } = await import('../../../src/check.js');
    const dir = join(tmp, 'check-rare');
    mkdirSync(dir);
    copyFileSync(join(FIXTURES, 'text-rare-token', 'model.onnx'), join(dir, 'model.onnx'));
    writeFileSync(join(dir, 'vocab.txt'), words().join('\n') + '\n');
    const report = await check(dir, { policyPath: audit, goldenPath: golden });
    expect(report.verdict).toBe('DENY');
    expect(report.files.find((f) => f.path === 'vocab.txt')?.format).toBe('text');
    const trigger = report.findings.find((f) => f.code === 'PROBE_BACKDOOR_TRIGGER');
    expect(trigger?.message).toContain('"cf"');
  }, 120_000);

  it('approves the clean text model with the same tokenizer', async () => {
    const { check } = await import('../../../src/check.js');
    const dir = join(tmp, 'check-clean');
    mkdirSync(dir);
    copyFileSync(join(FIXTURES, 'text-clean', 'model.onnx'), join(dir, 'model.onnx'));
    writeFileSync(join(dir, 'vocab.txt'), words().join('\n') + '\n');
    const report = await check(dir, { policyPath: audit, goldenPath: golden });
    expect(report.reasons).toEqual([]);
    expect(report.verdict).toBe('APPROVE');
  }, 120_000);
});
