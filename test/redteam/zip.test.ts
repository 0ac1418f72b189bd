/**
 * Zip parser differentials: bytes miniz (torch.load) or Python's zipfile (np.load on .npz, keras)
 * read that our reader did not.
 */
import { describe, expect, it } from 'vitest';
import { callPickle } from '../../scripts/fixtures/lib/pickle-writer.js';
import { buildZip } from '../../scripts/fixtures/lib/zip-writer.js';
import { checkFiles, codes } from './helpers.js';

const EVIL = callPickle('os', 'system', 'id');

function npy(): Buffer {
  let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }";
  while ((10 + header.length + 1) % 64 !== 0) header += ' ';
  header += '\n';
  const prefix = Buffer.alloc(10);
  Buffer.from('\x93NUMPY', 'latin1').copy(prefix);
  prefix[6] = 1;
  prefix.writeUInt16LE(header.length, 8);
  return Buffer.concat([prefix, Buffer.from(header, 'latin1'), Buffer.alloc(4)]);
}

function endRecord(entries: number, cdSize: number, cdOffset: number, commentLength: number): Buffer {
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries, 8);
  end.writeUInt16LE(entries, 10);
  end.writeUInt32LE(cdSize, 12);
  end.writeUInt32LE(cdOffset, 16);
  end.writeUInt16LE(commentLength, 20);
  return end;
}

describe('zip end-record and central-directory differentials', () => {
  it('reads the last end record even when its comment length overruns the file (miniz and zipfile do)', async () => {
    // A benign npz whose comment hides a second archive and, at the very end, a planted end record
    // with comment length 0xffff. miniz/zipfile take that last record; the old reader skipped it.
    const benign = buildZip([{ name: 'a.npy', data: npy() }]);
    const body = benign.subarray(0, benign.length - 22);
    const real = Buffer.from(benign.subarray(benign.length - 22));
    const commentStart = body.length + 22;
    const inner = buildZip([{ name: 'b.pkl', data: EVIL }]);
    const innerEnd = inner.subarray(inner.length - 22);
    const innerCdOffset = innerEnd.readUInt32LE(16);
    const innerBody = Buffer.from(inner.subarray(0, inner.length - 22));
    innerBody.writeUInt32LE(commentStart, innerCdOffset + 42);
    const planted = endRecord(1, innerEnd.readUInt32LE(12), commentStart + innerCdOffset, 0xffff);
    const comment = Buffer.concat([innerBody, planted]);
    real.writeUInt16LE(comment.length, 20);
    const report = await checkFiles({ 'weights.npz': Buffer.concat([body, real, comment]) });
    expect(report.verdict).toBe('DENY');
    expect(codes(report)).toContain('ZIP_END_RECORD_COMMENT_OVERRUN');
    expect(codes(report)).toContain('PICKLE_DENIED_GLOBAL');
  });

  it('flags a gap between the central directory and the end record (Python zipfile shifts offsets into it)', async () => {
    const good = buildZip([{ name: 'a.npy', data: npy() }]);
    const goodEnd = good.subarray(good.length - 22);
    const goodCdOffset = goodEnd.readUInt32LE(16);
    const cdSize = goodEnd.readUInt32LE(12);
    const goodBody = good.subarray(0, good.length - 22);
    const evil = buildZip([{ name: 'b.npy', data: EVIL }]);
    const evilEnd = evil.subarray(evil.length - 22);
    const evilCdOffset = evilEnd.readUInt32LE(16);
    const evilLocal = evil.subarray(0, evilCdOffset);
    const evilCd = Buffer.from(evil.subarray(evilCdOffset, evilCdOffset + evilEnd.readUInt32LE(12)));
    expect(evilCd.length).toBe(cdSize);
    // zipfile reads the directory ending at the end record and adds concat to every local offset.
    const endAt = goodBody.length + evilLocal.length + evilCd.length;
    const concat = endAt - cdSize - goodCdOffset;
    evilCd.writeUInt32LE(goodBody.length - concat, 42);
    const report = await checkFiles({ 'weights.npz': Buffer.concat([goodBody, evilLocal, evilCd, Buffer.from(goodEnd)]) });
    expect(report.verdict).toBe('DENY');
    expect(codes(report)).toContain('ZIP_CENTRAL_DIRECTORY_GAP');
  });

  it('still approves a plain npz (no gap, no overrun)', async () => {
    const report = await checkFiles({ 'weights.npz': buildZip([{ name: 'a.npy', data: npy() }]) });
    expect(codes(report)).not.toContain('ZIP_CENTRAL_DIRECTORY_GAP');
    expect(codes(report)).not.toContain('ZIP_END_RECORD_COMMENT_OVERRUN');
    expect(report.verdict).toBe('APPROVE');
  });

  it('denies archives nested past the depth limit', async () => {
    let bytes: Buffer = EVIL;
    for (let i = 0; i < 10; i++) bytes = buildZip([{ name: `n${i}.zip`, data: bytes }]);
    const report = await checkFiles({ 'deep.zip': bytes });
    expect(report.verdict).toBe('DENY');
    expect(codes(report)).toContain('NESTING_TOO_DEEP');
  });
});
