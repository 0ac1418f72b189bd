import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A strict, bounded reader of the tokenizer files that model repositories ship beside the ONNX file
 * (Hugging Face `tokenizer.json`, WordPiece `vocab.txt`, BPE `vocab.json`, `special_tokens_map.json`,
 * `tokenizer_config.json`). Only these fixed names are opened, never through a symlink; names and
 * values inside the files are data, never paths. Anything malformed means no tokenizer, never a crash.
 */

export const TOKENIZER_LIMITS = {
  jsonBytes: 64 * 1024 * 1024,
  textBytes: 16 * 1024 * 1024,
  /** Largest token id accepted (vocabularies hold at most a few hundred thousand entries). */
  maxId: 4_000_000,
  maxEntries: 4_000_000,
  /** Longer spellings are kept out of the vocabulary (never trigger candidates). */
  maxSpelling: 256,
  maxSpecialIds: 32,
};

export type TokenizerKind = 'wordpiece' | 'bpe' | 'unigram' | 'wordlevel' | 'vocab-txt' | 'vocab-json';

export interface Tokenizer {
  /** The file the vocabulary came from (a fixed name). */
  source: string;
  kind: TokenizerKind;
  /** Spelling by id; ids without an entry are undefined. */
  vocab: Array<string | undefined>;
  /** Unigram log-probabilities by id (lower is rarer), when the file has them. */
  scores?: Float64Array;
  /**
   * Special ids honoured, sorted: the ids named by a role (pad/unk/cls/sep/bos/eos/mask token, the
   * padding id) and the conventional markers ([CLS], <s>, <|endoftext|>...), each spelled like a marker.
   */
  specialIds: number[];
}

/** No tokenizer files at all (null), one read, or files present that could not be used (a note). */
export type TokenizerRead = { tokenizer: Tokenizer } | { note: string } | null;

export class TokenizerError extends Error {
  readonly code = 'TOKENIZER_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'TokenizerError';
  }
}

const VOCAB_FILES = ['tokenizer.json', 'vocab.txt', 'vocab.json'] as const;
const ROLE_KEYS = ['pad_token', 'unk_token', 'cls_token', 'sep_token', 'bos_token', 'eos_token', 'mask_token'];
/** Spellings that are special by convention when a file carries no special flags (vocab.txt). */
const CONVENTIONAL_SPECIALS = new Set(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', '<pad>', '<unk>', '<s>', '</s>', '<mask>', '<|endoftext|>']);
/**
 * Special ids are allowed in graph comparisons and never used as triggers, so the model's own files must
 * not be able to whitelist a trigger: only role tokens and conventional markers count, and only when
 * spelled like a marker ([CLS], <pad>, <|eos|>). Other tokens declared special (additional_special_tokens,
 * added tokens such as <extra_id_5>) stay ordinary ids: searched as triggers, flagged in graph gates.
 */
const MARKER = /^(?:\[[^\s[\]]{1,60}\]|<[^\s<>]{1,60}>)$/;

/** Reads the tokenizer beside a model; `dir` is the model's folder. */
export async function readTokenizer(dir: string): Promise<TokenizerRead> {
  const present: string[] = [];
  let problem: string | undefined;
  for (const name of VOCAB_FILES) {
    const bytes = await readFixed(dir, name, name.endsWith('.json') ? TOKENIZER_LIMITS.jsonBytes : TOKENIZER_LIMITS.textBytes);
    if (bytes === undefined) continue;
    present.push(name);
    try {
      if (typeof bytes === 'string') throw new TokenizerError(bytes);
      const tok = parseVocabFile(name, bytes);
      const extra = await declaredSpecials(dir, tok);
      tok.specialIds = honouredSpecials(tok, [...tok.specialIds, ...extra]);
      return { tokenizer: tok };
    } catch (error) {
      problem ??= `${name}: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  if (present.length === 0) return null;
  return { note: `tokenizer not used: ${problem ?? 'no readable vocabulary'}` };
}

/** Parses one vocabulary file by its fixed name. Throws TokenizerError on anything malformed. */
export function parseVocabFile(name: (typeof VOCAB_FILES)[number], bytes: Uint8Array): Tokenizer {
  if (name === 'vocab.txt') return parseVocabTxt(bytes);
  const json = parseJson(bytes);
  return name === 'tokenizer.json' ? parseTokenizerJson(json) : parseVocabMap(json, 'vocab.json', 'vocab-json');
}

/** WordPiece vocab.txt: one token per line, the id is the line number. */
export function parseVocabTxt(bytes: Uint8Array): Tokenizer {
  const text = decode(bytes);
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) throw new TokenizerError('empty vocabulary');
  if (lines.length > TOKENIZER_LIMITS.maxEntries) throw new TokenizerError(`${lines.length} entries is over the limit`);
  const vocab: Array<string | undefined> = lines.map((l) => spelling(l.endsWith('\r') ? l.slice(0, -1) : l));
  return { source: 'vocab.txt', kind: 'vocab-txt', vocab, specialIds: [] };
}

/** Hugging Face tokenizers' tokenizer.json: model.vocab plus added_tokens. */
export function parseTokenizerJson(json: unknown): Tokenizer {
  const root = record(json, 'tokenizer.json');
  const model = record(root['model'], 'model');
  const type = model['type'];
  let tok: Tokenizer;
  if (Array.isArray(model['vocab'])) {
    if (type !== undefined && type !== 'Unigram') throw new TokenizerError(`model type ${String(type)} with a list vocabulary`);
    tok = parseUnigram(model['vocab']);
  } else {
    const kind = type === 'WordPiece' ? 'wordpiece' : type === 'BPE' ? 'bpe' : type === 'WordLevel' ? 'wordlevel' : undefined;
    if (kind === undefined) throw new TokenizerError(`unsupported model type ${typeof type === 'string' ? type.slice(0, 40) : typeof type}`);
    tok = parseVocabMap(model['vocab'], 'tokenizer.json', kind);
  }
  const added = root['added_tokens'];
  if (added !== undefined && added !== null) {
    if (!Array.isArray(added)) throw new TokenizerError('added_tokens is not a list');
    if (added.length > TOKENIZER_LIMITS.maxEntries) throw new TokenizerError('too many added_tokens');
    for (const a of added) {
      const entry = record(a, 'added token');
      const id = tokenId(entry['id']);
      const content = entry['content'];
      if (typeof content !== 'string') throw new TokenizerError(`added token ${id} has no content`);
      tok.vocab[id] ??= spelling(content);
    }
  }
  const padding = root['padding'];
  if (padding !== null && typeof padding === 'object' && !Array.isArray(padding)) {
    const padId = (padding as Record<string, unknown>)['pad_id'];
    if (padId !== undefined) tok.specialIds.push(tokenId(padId));
  }
  return tok;
}

function parseUnigram(list: unknown[]): Tokenizer {
  if (list.length === 0) throw new TokenizerError('empty vocabulary');
  if (list.length > TOKENIZER_LIMITS.maxEntries) throw new TokenizerError(`${list.length} entries is over the limit`);
  const vocab: Array<string | undefined> = new Array(list.length);
  const scores = new Float64Array(list.length);
  list.forEach((e, id) => {
    if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== 'string' || typeof e[1] !== 'number' || !Number.isFinite(e[1])) {
      throw new TokenizerError(`unigram entry ${id} is not [token, score]`);
    }
    vocab[id] = spelling(e[0]);
    scores[id] = e[1];
  });
  return { source: 'tokenizer.json', kind: 'unigram', vocab, scores, specialIds: [] };
}

function parseVocabMap(value: unknown, source: string, kind: TokenizerKind): Tokenizer {
  const map = record(value, 'vocab');
  const entries = Object.entries(map);
  if (entries.length === 0) throw new TokenizerError('empty vocabulary');
  if (entries.length > TOKENIZER_LIMITS.maxEntries) throw new TokenizerError(`${entries.length} entries is over the limit`);
  const vocab: Array<string | undefined> = [];
  for (const [token, raw] of entries) {
    const id = tokenId(raw);
    if (vocab[id] !== undefined) throw new TokenizerError(`id ${id} is given to two tokens`);
    vocab[id] = spelling(token);
  }
  return { source, kind, vocab, specialIds: [] };
}

/** Role tokens named by special_tokens_map.json and tokenizer_config.json, as ids of `tok`. */
async function declaredSpecials(dir: string, tok: Tokenizer): Promise<number[]> {
  const ids: number[] = [];
  const byName = new Map<string, number>();
  tok.vocab.forEach((t, id) => {
    if (t !== undefined && !byName.has(t)) byName.set(t, id);
  });
  for (const name of ['special_tokens_map.json', 'tokenizer_config.json']) {
    const bytes = await readFixed(dir, name, TOKENIZER_LIMITS.jsonBytes);
    if (bytes === undefined) continue;
    if (typeof bytes === 'string') throw new TokenizerError(`${name}: ${bytes}`);
    let root: Record<string, unknown>;
    try {
      root = record(parseJson(bytes), name);
    } catch (error) {
      throw new TokenizerError(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
    for (const n of ROLE_KEYS.map((k) => root[k])) {
      const content = typeof n === 'string' ? n : n !== null && typeof n === 'object' ? (n as Record<string, unknown>)['content'] : undefined;
      if (typeof content === 'string' && byName.has(content)) ids.push(byName.get(content)!);
    }
  }
  return ids;
}

function honouredSpecials(tok: Tokenizer, roles: number[]): number[] {
  const ids = [...roles];
  tok.vocab.forEach((t, id) => {
    if (t !== undefined && CONVENTIONAL_SPECIALS.has(t)) ids.push(id);
  });
  const out = [...new Set(ids)].filter((id) => {
    const t = tok.vocab[id];
    return t === undefined || MARKER.test(t);
  });
  return out.sort((a, b) => a - b).slice(0, TOKENIZER_LIMITS.maxSpecialIds);
}

function tokenId(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > TOKENIZER_LIMITS.maxId) {
    throw new TokenizerError(`token id ${typeof value === 'number' ? value : typeof value} is not an integer in [0, ${TOKENIZER_LIMITS.maxId}]`);
  }
  return value;
}

function spelling(t: string): string | undefined {
  return t.length > 0 && t.length <= TOKENIZER_LIMITS.maxSpelling ? t : undefined;
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new TokenizerError(`${what} is not an object`);
  return value as Record<string, unknown>;
}

function decode(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new TokenizerError('not valid UTF-8');
  }
}

function parseJson(bytes: Uint8Array): unknown {
  const text = decode(bytes);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    // Deep nesting can exhaust the stack (RangeError): malformed either way.
    throw new TokenizerError(`not valid JSON (${error instanceof Error ? error.name : 'error'})`);
  }
}

/**
 * Reads `dir/name` when it is a regular file within `limit` bytes. Undefined when absent; a string
 * saying why when present but refused (a symlink, not a file, too large, unreadable).
 */
async function readFixed(dir: string, name: string, limit: number): Promise<Uint8Array | string | undefined> {
  let handle;
  try {
    handle = await open(join(dir, name), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    if (code === 'ELOOP') return 'is a symlink (refused)';
    return `cannot open (${code ?? 'error'})`;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return 'not a regular file';
    if (info.size > limit) return `${info.size} bytes is over the ${limit}-byte limit`;
    const buf = new Uint8Array(info.size);
    let off = 0;
    while (off < buf.length) {
      const { bytesRead } = await handle.read(buf, off, buf.length - off, off);
      if (bytesRead === 0) break;
      off += bytesRead;
    }
    return off === buf.length ? buf : 'changed while being read';
  } catch (error) {
    return `cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`;
  } finally {
    await handle.close().catch(() => undefined);
  }
}
