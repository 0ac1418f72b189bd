/**
 * Code of the inference worker thread, run with `new Worker(source, { eval: true })` so it needs no
 * separate file beside the compiled module (same under tsx/vitest and from dist/). onnxruntime-node is
 * required by the absolute path the parent resolved.
 *
 * workerData {ortPath, model: Uint8Array | string, options}
 * -> {op:'ready', inputMetadata, outputMetadata} | {op:'load-error', message}
 * {op:'run', id, feeds: [{name, type, dims, data}], fetch} -> {op:'result', id, type, dims, data} | {op:'error', id, message}
 * {op:'run-all', id, feeds, fetch: [names]} -> {op:'results', id, outputs: [{name, type, dims, data}]} | {op:'error', id, message}
 * {op:'close'} -> releases the session; the thread exits.
 */
export const INFERENCE_WORKER_SOURCE = String.raw`
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.ortPath);
const plain = (list) => list.map((m) => JSON.parse(JSON.stringify(m)));
(async () => {
  let session;
  try {
    session = await ort.InferenceSession.create(workerData.model, workerData.options);
  } catch (e) {
    parentPort.postMessage({ op: 'load-error', message: String(e && e.message || e) });
    return;
  }
  parentPort.postMessage({ op: 'ready', inputMetadata: plain(session.inputMetadata), outputMetadata: plain(session.outputMetadata) });
  parentPort.on('message', async (m) => {
    if (m.op === 'close') {
      await session.release().catch(() => undefined);
      parentPort.close();
      return;
    }
    try {
      const feeds = {};
      for (const f of m.feeds) feeds[f.name] = new ort.Tensor(f.type, f.data, f.dims);
      if (m.op === 'run-all') {
        const all = await session.run(feeds, m.fetch);
        const outputs = [];
        for (const name of m.fetch) {
          const t = all[name];
          if (t) outputs.push({ name, type: t.type, dims: Array.from(t.dims), data: t.data.slice() });
        }
        parentPort.postMessage({ op: 'results', id: m.id, outputs }, outputs.map((o) => o.data.buffer));
        return;
      }
      const out = (await session.run(feeds, [m.fetch]))[m.fetch];
      if (!out) {
        parentPort.postMessage({ op: 'result', id: m.id });
        return;
      }
      const data = out.data.slice();
      parentPort.postMessage({ op: 'result', id: m.id, type: out.type, dims: Array.from(out.dims), data }, [data.buffer]);
    } catch (e) {
      parentPort.postMessage({ op: 'error', id: m.id, message: String(e && e.message || e) });
    }
  });
})();
`;
