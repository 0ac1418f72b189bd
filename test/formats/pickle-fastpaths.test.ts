import { describe, expect, it } from 'vitest';
import { PickleWriter } from '../../scripts/fixtures/lib/pickle-writer.js';
import { scanPickles } from '../../src/formats/pickle/index.js';
import { expandedSize, toPlain } from '../../src/formats/pickle/plain.js';
import { StringTable } from '../../src/formats/pickle/strings.js';
import { decodeUtf8, latin1 } from '../../src/formats/pickle/text-args.js';
import { PCall, PDict, PGlobal, PTuple, type Value } from '../../src/formats/pickle/values.js';
import { DEFAULT_LIMITS, type FormatReport, type ScanContext } from '../../src/formats/types.js';

const ctx: ScanContext = {
  file: 'fast.pkl',
  location: [],
  depth: 0,
  limits: DEFAULT_LIMITS,
  async scanNested(): Promise<FormatReport> {
    return { format: 'unknown', facts: {}, findings: [], children: [] };
  },
};

describe('pickle fast paths give the plain results', () => {
  it('interned strings equal a plain latin-1 / UTF-8 decode, ASCII or not, in any order', () => {
    const words = ['storage', 'cpu', '', 'x', 'caf\u00e9', '\u00ff\u00fe', 'model.layers.0.self_attn.q_proj.weight', 'storage', 'caf\u00e9'];
    const utf8 = words.map((w) => Buffer.from(w, 'utf8'));
    const raw = words.map((w) => Buffer.from(w, 'latin1'));
    const bytes = Buffer.concat([...utf8, ...raw, ...utf8]);
    const table = new StringTable(bytes);
    let at = 0;
    for (const pass of [utf8, raw, utf8]) {
      for (const b of pass) {
        if (pass === raw) expect(table.latin1(at, b.length)).toBe(latin1(bytes, at, at + b.length));
        else expect(table.utf8(at, b.length)).toBe(decodeUtf8(bytes, at, at + b.length));
        at += b.length;
      }
    }
    // latin-1 bytes that are not valid UTF-8 are never served from the table as UTF-8.
    expect(new StringTable(Buffer.from([0xff, 0xfe])).utf8(0, 2)).toBeUndefined();
  });

  it('fills the rest of a huge container with truncation markers once the node budget is spent', () => {
    const dict = new PDict();
    for (let i = 0; i < 30_000; i++) dict.kv.push(`k${i}`, i);
    const plain = toPlain(dict, { maxNodes: 1000, maxDepth: 8, maxString: 64 }) as { dict: unknown[][] };
    expect(plain.dict).toHaveLength(30_000);
    expect(plain.dict[0]).toEqual(['k0', 0]);
    expect(plain.dict[498]).toEqual(['k498', 498]);
    expect(plain.dict[499]).toEqual(['k499', { unknown: 'truncated' }]); // the dict node and 998 entry nodes, then the last key
    expect(plain.dict[500]).toEqual([{ unknown: 'truncated' }, { unknown: 'truncated' }]);
    expect(plain.dict[29_999]).toEqual([{ unknown: 'truncated' }, { unknown: 'truncated' }]);
  });

  it('measures a call result with very many appended items', () => {
    const call = new PCall(new PGlobal('collections', 'OrderedDict', 'allowed', 'collections.OrderedDict'), new PTuple([]), 'REDUCE', 0);
    call.items = new Array<Value>(300_000).fill(1);
    expect(expandedSize(call, 1e9, 10)).toBe(300_003);
  });

  it('shares small integer tuples without changing results or findings', async () => {
    const w = new PickleWriter().proto(2).mark();
    for (let i = 0; i < 50; i++) w.int(64).int(i % 3).tuple2().int(7).tuple1();
    const s = await scanPickles(w.list().stop().bytes(), ctx);
    const items = s.results[0] as unknown[];
    expect(items).toHaveLength(100);
    expect(items[0]).toEqual([64, 0]);
    expect(items[2]).toEqual([64, 1]);
    expect(items[99]).toEqual([7]);
    expect(s.findings).toEqual([]);
  });
});
