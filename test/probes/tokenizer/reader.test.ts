import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parseTokenizerJson, parseVocabFile, readTokenizer, TokenizerError, TOKENIZER_LIMITS, type Tokenizer } from '../../../src/probes/tokenizer.js';

const root = mkdtempSync(join(tmpdir(), 'modelscan-tokenizer-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
function folder(files: Record<string, string | Uint8Array>): string {
  const dir = join(root, `m${n++}`);
  mkdirSync(dir);
  for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, name), body);
  return dir;
}
async function read(files: Record<string, string | Uint8Array>): Promise<Tokenizer> {
  const r = await readTokenizer(folder(files));
  if (r === null || 'note' in r) throw new Error(`expected a tokenizer, got ${JSON.stringify(r)}`);
  return r.tokenizer;
}
async function note(files: Record<string, string | Uint8Array>): Promise<string> {
  const r = await readTokenizer(folder(files));
  if (r === null || !('note' in r)) throw new Error(`expected a note, got ${JSON.stringify(r)}`);
  return r.note;
}

const WORDPIECE = {
  version: '1.0',
  added_tokens: [
    { id: 0, content: '[PAD]', special: true },
    { id: 100, content: '[UNK]', special: true },
    { id: 101, content: '[CLS]', special: true },
    { id: 102, content: '[SEP]', special: true },
  ],
  padding: null,
  model: { type: 'WordPiece', unk_token: '[UNK]', vocab: { '[PAD]': 0, '[UNK]': 100, '[CLS]': 101, '[SEP]': 102, the: 1996, cf: 12935, '##cf': 2278 } },
};
const BPE = {
  added_tokens: [{ id: 50256, content: '<|endoftext|>', special: true }],
  model: { type: 'BPE', vocab: { Ġthe: 262, cf: 12993, Ġcf: 30218, '<|endoftext|>': 50256 }, merges: ['Ġ t'] },
};

describe('readTokenizer', () => {
  it('reads a WordPiece tokenizer.json: vocabulary map and special added tokens', async () => {
    const tok = await read({ 'tokenizer.json': JSON.stringify(WORDPIECE) });
    expect(tok.kind).toBe('wordpiece');
    expect(tok.source).toBe('tokenizer.json');
    expect(tok.vocab[12935]).toBe('cf');
    expect(tok.vocab[2278]).toBe('##cf');
    expect(tok.specialIds).toEqual([0, 100, 101, 102]);
  });

  it('reads a BPE tokenizer.json and its padding id', async () => {
    const tok = await read({ 'tokenizer.json': JSON.stringify({ ...BPE, padding: { pad_id: 262 } }) });
    expect(tok.kind).toBe('bpe');
    expect(tok.vocab[30218]).toBe('Ġcf');
    // The padding id is declared, but spelled like a word: not honoured as special.
    expect(tok.specialIds).toEqual([50256]);
  });

  it('reads a Unigram tokenizer.json with scores', async () => {
    const tok = await read({ 'tokenizer.json': JSON.stringify({ model: { type: 'Unigram', vocab: [['<pad>', 0], ['▁the', -3.1], ['▁cf', -14.2]] } }) });
    expect(tok.kind).toBe('unigram');
    expect(tok.vocab).toEqual(['<pad>', '▁the', '▁cf']);
    expect([...tok.scores!]).toEqual([0, -3.1, -14.2]);
  });

  it('reads vocab.txt (id = line number) with conventional special tokens and CRLF lines', async () => {
    const tok = await read({ 'vocab.txt': '[PAD]\r\n[unused0]\r\n[UNK]\r\n[CLS]\r\n[SEP]\r\nthe\r\ncf\r\n' });
    expect(tok.kind).toBe('vocab-txt');
    expect(tok.vocab[6]).toBe('cf');
    expect(tok.specialIds).toEqual([0, 2, 3, 4]);
  });

  it('adds role tokens named by special_tokens_map.json and tokenizer_config.json', async () => {
    const tok = await read({
      'vocab.txt': 'a\nb\n<bos>\n<eos>\n<extra>\ncf\n<sep>\n',
      'special_tokens_map.json': JSON.stringify({ bos_token: '<bos>', eos_token: { content: '<eos>' }, additional_special_tokens: ['<extra>'] }),
      'tokenizer_config.json': JSON.stringify({ sep_token: '<sep>', added_tokens_decoder: { '4': { content: '<extra>', special: true } } }),
    });
    // <extra> is declared special without a role: it stays an ordinary id (trigger candidate, flagged in gates).
    expect(tok.specialIds).toEqual([2, 3, 6]);
  });

  it('never honours a word, or a special token without a role, as special', async () => {
    const json = {
      added_tokens: [{ id: 5, content: '<extra_id_5>', special: true }, { id: 6, content: 'cf', special: true }],
      model: { type: 'BPE', vocab: { '<pad>': 0, a: 1, '<extra_id_5>': 5, cf: 6 } },
    };
    const tok = await read({ 'tokenizer.json': JSON.stringify(json), 'special_tokens_map.json': JSON.stringify({ pad_token: 'cf', unk_token: 'a' }) });
    expect(tok.specialIds).toEqual([0]);
  });

  it('falls back to vocab.txt when tokenizer.json is unusable', async () => {
    const tok = await read({ 'tokenizer.json': '{"model":', 'vocab.txt': 'x\ny\n' });
    expect(tok.source).toBe('vocab.txt');
  });

  it('returns null when the folder holds no tokenizer', async () => {
    expect(await readTokenizer(folder({ 'model.onnx': 'x' }))).toBeNull();
    expect(await readTokenizer(join(root, 'does-not-exist'))).toBeNull();
  });

  it.each([
    ['malformed JSON', { 'tokenizer.json': '{"model": {"type": "BPE", "vocab": {"a": 1,' }, /not valid JSON/],
    ['not UTF-8', { 'tokenizer.json': new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]) }, /UTF-8/],
    ['an id given twice', { 'tokenizer.json': JSON.stringify({ model: { type: 'BPE', vocab: { a: 1, b: 1 } } }) }, /two tokens/],
    ['a negative id', { 'tokenizer.json': JSON.stringify({ model: { type: 'WordLevel', vocab: { a: -1 } } }) }, /not an integer/],
    ['a huge id', { 'tokenizer.json': JSON.stringify({ model: { type: 'WordPiece', vocab: { a: 2 ** 40 } } }) }, /not an integer/],
    ['a fractional id', { 'tokenizer.json': JSON.stringify({ model: { type: 'WordPiece', vocab: { a: 1.5 } } }) }, /not an integer/],
    ['an unknown model type', { 'tokenizer.json': JSON.stringify({ model: { type: 'Magic', vocab: { a: 1 } } }) }, /unsupported model type/],
    ['a bad unigram entry', { 'tokenizer.json': JSON.stringify({ model: { type: 'Unigram', vocab: [['a', 'x']] } }) }, /unigram entry 0/],
    ['added_tokens not a list', { 'tokenizer.json': JSON.stringify({ ...WORDPIECE, added_tokens: { a: 1 } }) }, /added_tokens/],
    ['an empty vocab.txt', { 'vocab.txt': '' }, /empty vocabulary/],
    ['deep nesting', { 'tokenizer.json': '['.repeat(200_000) + ']'.repeat(200_000) }, /not an object|not valid JSON/],
    ['a broken special_tokens_map.json', { 'vocab.txt': 'a\n', 'special_tokens_map.json': '[' }, /special_tokens_map.json/],
  ])('gives a note, never a tokenizer, for %s', async (_name, files, reason) => {
    expect(await note(files as Record<string, string | Uint8Array>)).toMatch(reason);
  });

  it('refuses a symlinked tokenizer file', async () => {
    const target = join(root, 'elsewhere.json');
    writeFileSync(target, JSON.stringify(WORDPIECE));
    const dir = folder({});
    symlinkSync(target, join(dir, 'tokenizer.json'));
    expect((await readTokenizer(dir)) as { note: string }).toEqual({ note: expect.stringMatching(/symlink/) });
  });

  it('refuses a file over the size cap without reading it', async () => {
    const dir = folder({ 'tokenizer.json': '' });
    truncateSync(join(dir, 'tokenizer.json'), TOKENIZER_LIMITS.jsonBytes + 1);
    expect((await readTokenizer(dir)) as { note: string }).toEqual({ note: expect.stringMatching(/over the .*limit/) });
  });

  it('refuses a folder where the tokenizer name is a directory', async () => {
    const dir = folder({});
    mkdirSync(join(dir, 'vocab.txt'));
    expect((await readTokenizer(dir)) as { note: string }).toEqual({ note: expect.stringMatching(/not a regular file/) });
  });

  it('refuses a FIFO named like a tokenizer without blocking', async () => {
    const dir = folder({});
    execFileSync('mkfifo', [join(dir, 'tokenizer.json')]);
    expect((await readTokenizer(dir)) as { note: string }).toEqual({ note: expect.stringMatching(/not a regular file/) });
  });

  it('keeps hostile keys as data (no prototype pollution)', () => {
    const tok = parseTokenizerJson(JSON.parse('{"model":{"type":"BPE","vocab":{"__proto__":3,"constructor":4}}}'));
    expect(tok.vocab[3]).toBe('__proto__');
    expect(tok.vocab[4]).toBe('constructor');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});

describe('tokenizer parsers never crash (fast-check)', () => {
  const onlyTokenizerErrors = (f: () => unknown) => {
    try {
      f();
    } catch (error) {
      if (!(error instanceof TokenizerError)) throw error;
    }
  };
  it('mutated tokenizer.json bytes parse or throw TokenizerError', () => {
    const base = new TextEncoder().encode(JSON.stringify(WORDPIECE));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), (edits) => {
        const bytes = base.slice();
        for (const [i, b] of edits) bytes[i] = b;
        onlyTokenizerErrors(() => parseVocabFile('tokenizer.json', bytes));
      }),
      { numRuns: 300 },
    );
  });
  it('arbitrary JSON values parse or throw TokenizerError', () => {
    const model = fc.record({ type: fc.constantFrom('WordPiece', 'BPE', 'Unigram', 'WordLevel', 7), vocab: fc.jsonValue() }, { requiredKeys: [] });
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.record({ model, added_tokens: fc.jsonValue(), padding: fc.jsonValue() }, { requiredKeys: [] })), (json) => {
        onlyTokenizerErrors(() => parseTokenizerJson(json));
      }),
      { numRuns: 300 },
    );
  });
  it('random vocab.txt and vocab.json bytes parse or throw TokenizerError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        onlyTokenizerErrors(() => parseVocabFile('vocab.txt', bytes));
        onlyTokenizerErrors(() => parseVocabFile('vocab.json', bytes));
      }),
      { numRuns: 300 },
    );
  });
});
