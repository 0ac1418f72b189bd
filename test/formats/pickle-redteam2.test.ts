import { describe, expect, it } from 'vitest';
import { PickleWriter } from '../../scripts/fixtures/lib/pickle-writer.js';
import { buildZip } from '../../scripts/fixtures/lib/zip-writer.js';
import { checkFiles } from '../redteam/helpers.js';

/** A whole protocol-0 pickle that runs os.system('id'). */
const Q = "cos\nsystem\n(S'id'\ntR.";

async function expectDeny(bytes: Uint8Array, code: string): Promise<void> {
  const report = await checkFiles({ 'model.pkl': bytes }, { single: true });
  expect(report.verdict, JSON.stringify(report.findings.map((f) => f.code))).toBe('DENY');
  expect(report.findings.map((f) => f.code)).toContain(code);
}

describe('red team round 2: protocol corners that held', () => {
  it('FRAME of length 0 followed by a payload', async () => {
    await expectDeny(new PickleWriter().proto(4).frame(0).raw(Q).bytes(), 'PICKLE_DENIED_GLOBAL');
  });

  it('STOP inside a FRAME followed by a second pickle in the same frame', async () => {
    await expectDeny(new PickleWriter().proto(4).frame(2 + Q.length).raw('N.').raw(Q).bytes(), 'PICKLE_DENIED_GLOBAL');
  });

  it('MEMOIZE after POP: the memo index follows len(memo)', async () => {
    const w = new PickleWriter().proto(4).raw('cos\nsystem\n\x94').raw('0').raw('N\x94').raw('h\x00').raw("(S'id'\ntR.");
    await expectDeny(w.bytes(), 'PICKLE_DENIED_GLOBAL');
  });

  it('_load_from_bytes on a torch zip archive scans its data.pkl', async () => {
    const zip = buildZip([{ name: 'archive/data.pkl', data: Buffer.from(Q, 'latin1') }, { name: 'archive/version', data: '3\n' }]);
    const w = new PickleWriter().proto(2).global('torch.storage', '_load_from_bytes').bytesValue(zip).tuple1().reduce().op('.');
    await expectDeny(w.bytes(), 'PICKLE_DENIED_GLOBAL');
  });
});

/** numpy.dtype(text, False, True) with a BUILD state (version, '|', subarray, names, fields, elsize, align, flags). */
function dtype(w: PickleWriter, text: string, state?: (w: PickleWriter) => void): PickleWriter {
  w.global('numpy', 'dtype').unicode(text).bool(false).bool(true).tuple3().reduce();
  if (state) {
    w.mark();
    state(w);
    w.tuple().build();
  }
  return w;
}

/** numpy._reconstruct(ndarray, (0,), b'b') + BUILD (1, (1,), dtype, False, raw) - an array from raw bytes. */
function arrayFromRaw(dtypeOf: (w: PickleWriter) => void, raw: Buffer): Buffer {
  const w = new PickleWriter().proto(2).global('numpy.core.multiarray', '_reconstruct').global('numpy', 'ndarray').int(0).tuple1().bytesValue(Buffer.from('b')).tuple3().reduce();
  w.mark().int(1).int(1).tuple1();
  dtypeOf(w);
  w.bool(false).bytesValue(raw).tuple().build();
  return w.stop().bytes();
}

describe('red team round 2: forged numpy dtype flags', () => {
  it('denies a struct dtype whose object field is hidden by flags=0 (raw bytes would become object pointers)', async () => {
    const bytes = arrayFromRaw(
      (w) =>
        dtype(w, 'V8', (s) => {
          s.int(3).unicode('|').none().unicode('a').tuple1().emptyDict().unicode('a');
          dtype(s, 'O8', (o) => o.int(3).unicode('|').none().none().none().int(8).int(8).int(63));
          s.int(0).tuple2().setitem().int(8).int(1).int(0);
        }),
      Buffer.from('AAAAAAAA'),
    );
    await expectDeny(bytes, 'PICKLE_FORGED_DTYPE');
  });

  it('denies an O8 dtype whose state clears the object bit', async () => {
    const bytes = arrayFromRaw((w) => dtype(w, 'O8', (s) => s.int(3).unicode('|').none().none().none().int(8).int(8).int(0)), Buffer.from('AAAAAAAA'));
    await expectDeny(bytes, 'PICKLE_FORGED_DTYPE');
  });

  it('does not flag a float dtype state as numpy writes it', async () => {
    const bytes = arrayFromRaw((w) => dtype(w, 'f4', (s) => s.int(3).unicode('<').none().none().none().int(-1).int(-1).int(0)), Buffer.alloc(4));
    const report = await checkFiles({ 'model.pkl': bytes }, { single: true });
    expect(report.findings.map((f) => f.code)).not.toContain('PICKLE_FORGED_DTYPE');
    expect(report.verdict).toBe('APPROVE');
  });
});
