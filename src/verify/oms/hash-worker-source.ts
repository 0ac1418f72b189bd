/**
 * Code of a file-hashing worker thread, run with `new Worker(source, { eval: true })` so it needs no
 * separate file beside the compiled module (same under tsx/vitest and from dist/).
 *
 * Request  {id, path, algorithm: 'sha256'|'blake2b512', ranges: [[start, end], ...] | null, size: number | null}
 * Reply    {id, digests: [hex, ...], bytes} or {id, error: code}
 * `ranges: null` hashes the whole file up to EOF. The file is opened non-blocking and must be a
 * regular file (a FIFO swapped in after the walk cannot hang the worker); a range that ends past EOF
 * is an error (the file changed since it was listed), and so is a `size` other than the file's at open.
 */
export const OMS_HASH_WORKER_SOURCE = String.raw`
'use strict';
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const CHUNK = 1 << 20;
const buffer = Buffer.allocUnsafe(CHUNK);
function fail(code) { const e = new Error(code); e.code = code; return e; }
function hashRange(fd, algorithm, start, end) {
  const hash = createHash(algorithm);
  let pos = start;
  while (end === null || pos < end) {
    const want = end === null ? CHUNK : Math.min(CHUNK, end - pos);
    const n = fs.readSync(fd, buffer, 0, want, pos);
    if (n === 0) {
      if (end === null) break;
      throw fail('ESHRUNK');
    }
    hash.update(n === CHUNK ? buffer : buffer.subarray(0, n));
    pos += n;
  }
  return { hex: hash.digest('hex'), bytes: pos - start };
}
parentPort.on('message', (task) => {
  let fd = -1;
  try {
    fd = fs.openSync(task.path, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK || 0));
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw fail('ENOTREG');
    if (task.size !== null && task.size !== undefined && st.size !== task.size) throw fail('ECHANGED');
    const digests = [];
    let bytes = 0;
    for (const [start, end] of task.ranges === null ? [[0, null]] : task.ranges) {
      const r = hashRange(fd, task.algorithm, start, end);
      digests.push(r.hex);
      bytes += r.bytes;
    }
    parentPort.postMessage({ id: task.id, digests, bytes });
  } catch (error) {
    parentPort.postMessage({ id: task.id, error: String((error && error.code) || (error && error.message) || error) });
  } finally {
    if (fd >= 0) try { fs.closeSync(fd); } catch {}
  }
});
`;
