import { PickleWriter } from '../scripts/fixtures/lib/pickle-writer.js';
import { createRootContext } from '../src/formats/dispatch.js';
import { scanPickles } from '../src/formats/pickle/index.js';
import { bestOf } from './lib.js';

/** A state_dict-shaped pickle of about `targetBytes`: many named tensors rebuilt from storages. */
export function bigStateDict(targetBytes: number): Buffer {
  const w = new PickleWriter().proto(2).global('collections', 'OrderedDict').emptyTuple().reduce().binput(0).mark();
  let i = 0;
  let approx = 0;
  while (approx < targetBytes) {
    const name = `model.layers.${i}.self_attn.q_proj.weight`;
    w.unicode(name).global('torch._utils', '_rebuild_tensor_v2');
    w.mark().mark().unicode('storage').global('torch', 'FloatStorage').unicode(String(i)).unicode('cpu').int(4096).tuple().binpersid();
    w.int(0).int(64).int(64).tuple2().int(64).int(1).tuple2().bool(false).global('collections', 'OrderedDict').emptyTuple().reduce().tuple().reduce();
    approx += 180 + name.length;
    i++;
    if (i % 1000 === 0) w.setitems().mark();
  }
  return w.setitems().stop().bytes();
}

export async function benchPickle(): Promise<string[]> {
  const bytes = bigStateDict(200 * 1024 * 1024);
  const ms = await bestOf(2, () => scanPickles(bytes, createRootContext('big.pkl')));
  return [`pickle analysis ${(bytes.length / 1e6).toFixed(0)} MB state_dict   ${(bytes.length / 1e6 / (ms / 1000)).toFixed(0)} MB/s  (goal >= 100 MB/s)`];
}
