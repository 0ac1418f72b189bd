import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { exampleRepo, fixture } from './fixtures.js';
import { gitBlobSha1 } from './hashes.js';
import { resolvePath, startHub, treePath, type Hub } from './index.js';
import { rawRequest } from './raw-http.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const MODEL = fixture('example/model.safetensors');
const CONFIG = fixture('example/config.json');

let hub: Hub;
const resolveUrl = (path: string, rev = 'main') => `${hub.url}${resolvePath('acme/example', rev, path)}`;
const treeUrl = () => `${hub.url}${treePath('acme/example', 'main')}?recursive=true`;

/** The CDN URL the hub redirects an LFS file to. */
async function cdnUrl(path = 'model.safetensors'): Promise<string> {
  const res = await rawRequest(resolveUrl(path), { method: 'HEAD' });
  expect(res.status).toBe(302);
  return res.headers.location ?? '';
}

beforeAll(async () => {
  hub = await startHub();
  hub.addRepo(exampleRepo());
});
afterEach(() => hub.clearFaults());
afterAll(() => hub.close());

describe("fault 'status'", () => {
  it('answers the status `times` times, with Retry-After, then serves normally', async () => {
    hub.fault({ kind: 'status', status: 429, times: 2, retryAfter: 3 });
    for (let i = 0; i < 2; i++) {
      const res = await rawRequest(resolveUrl('config.json'));
      expect([res.status, res.headers['retry-after']]).toEqual([429, '3']);
    }
    expect((await rawRequest(resolveUrl('config.json'))).status).toBe(200);
  });

  it("'on' picks the API, resolve or the CDN", async () => {
    hub.fault({ kind: 'status', status: 503, times: 1, on: 'cdn' });
    expect((await rawRequest(treeUrl())).status).toBe(200);
    expect((await rawRequest(resolveUrl('config.json'))).status).toBe(200);
    const location = await cdnUrl();
    expect((await rawRequest(location)).status).toBe(503);
    expect((await rawRequest(location)).status).toBe(200);

    hub.fault({ kind: 'status', status: 500, times: 1, on: 'api' });
    expect((await rawRequest(resolveUrl('config.json'))).status).toBe(200);
    expect((await rawRequest(treeUrl())).status).toBe(500);
  });

  it("'path' restricts resolve and CDN requests to one file", async () => {
    hub.fault({ kind: 'status', status: 502, times: 5, path: 'model.safetensors', on: 'cdn' });
    expect((await rawRequest(resolveUrl('config.json'))).status).toBe(200);
    expect((await rawRequest(resolveUrl('model.safetensors'))).status).toBe(302);
    expect((await rawRequest(await cdnUrl())).status).toBe(502);
  });

  it('rejects a malformed fault', () => {
    expect(() => hub.fault({ kind: 'status', status: 42, times: 1 })).toThrow(RangeError);
    expect(() => hub.fault({ kind: 'status', status: 500, times: 0 })).toThrow(RangeError);
    expect(() => hub.fault({ kind: 'drop-mid-body', path: 'x', afterBytes: -1 })).toThrow(RangeError);
  });
});

describe("fault 'drop-mid-body'", () => {
  it.each([
    ['a regular file, on the hub', 'config.json', CONFIG, 100],
    ['an LFS file, on the CDN', 'model.safetensors', MODEL, 500],
  ])('cuts %s after exactly afterBytes, once by default', async (_what, path, bytes, afterBytes) => {
    hub.fault({ kind: 'drop-mid-body', path, afterBytes });
    const url = path === 'config.json' ? resolveUrl(path) : await cdnUrl(path);
    const cut = await rawRequest(url);
    expect(cut.status).toBe(200);
    expect(cut.headers['content-length']).toBe(String(bytes.length));
    expect(cut.complete).toBe(false);
    expect(cut.body.equals(bytes.subarray(0, afterBytes))).toBe(true);
    const resumed = await rawRequest(url, { headers: { range: `bytes=${afterBytes}-` } });
    expect([resumed.status, resumed.complete]).toEqual([206, true]);
    expect(resumed.body.equals(bytes.subarray(afterBytes))).toBe(true);
  });

  it('applies `times` times and counts bytes of each body, ranged ones included', async () => {
    hub.fault({ kind: 'drop-mid-body', path: 'config.json', afterBytes: 10, times: 2 });
    const first = await rawRequest(resolveUrl('config.json'));
    const second = await rawRequest(resolveUrl('config.json'), { headers: { range: 'bytes=10-' } });
    expect([first.body.length, second.body.length, second.complete]).toEqual([10, 10, false]);
    expect(second.body.equals(CONFIG.subarray(10, 20))).toBe(true);
    expect((await rawRequest(resolveUrl('config.json'))).complete).toBe(true);
  });

  it('does not spend itself on HEAD', async () => {
    hub.fault({ kind: 'drop-mid-body', path: 'config.json', afterBytes: 10 });
    await rawRequest(resolveUrl('config.json'), { method: 'HEAD' });
    expect((await rawRequest(resolveUrl('config.json'))).complete).toBe(false);
  });
});

describe("fault 'stall'", () => {
  it('sends afterBytes then nothing while it stalls; a client that gives up frees the next request', async () => {
    hub.fault({ kind: 'stall', path: 'model.safetensors', afterBytes: 300, ms: 600_000 });
    const url = await cdnUrl();
    // The server wrote exactly 300 bytes before stalling, so that is all there is to read.
    const stalled = await rawRequest(url, { abortAfter: 300 });
    expect(stalled.body.length).toBe(300);
    const next = await rawRequest(url);
    expect([next.complete, next.body.equals(MODEL)]).toEqual([true, true]);
  });

  it('resumes the same body when the stall ends', async () => {
    hub.fault({ kind: 'stall', path: 'config.json', afterBytes: 50, ms: 1 });
    const res = await rawRequest(resolveUrl('config.json'));
    expect([res.complete, res.body.equals(CONFIG)]).toEqual([true, true]);
  });
});

describe("fault 'wrong-bytes'", () => {
  it.each([
    ['config.json', CONFIG],
    ['model.safetensors', MODEL],
  ])('flips one byte of %s, keeping every header', async (path, bytes) => {
    const url = path === 'config.json' ? resolveUrl(path) : await cdnUrl(path);
    const clean = await rawRequest(url);
    hub.fault({ kind: 'wrong-bytes', path });
    const bad = await rawRequest(url);
    expect(bad.headers.etag).toBe(clean.headers.etag);
    expect(bad.headers['content-length']).toBe(clean.headers['content-length']);
    expect(bad.body.length).toBe(bytes.length);
    const diff = [...bad.body].flatMap((b, i) => (b === bytes[i] ? [] : [i]));
    expect(diff).toEqual([Math.floor(bytes.length / 2)]);
  });
});

describe("fault 'wrong-sha'", () => {
  it('makes the tree, paths-info and X-Linked-Etag claim another sha256; the bytes stay right', async () => {
    hub.fault({ kind: 'wrong-sha', path: 'model.safetensors' });
    const tree = (await (await fetch(treeUrl())).json()) as Array<{ path: string; lfs?: { oid: string } }>;
    const claimed = tree.find((e) => e.path === 'model.safetensors')?.lfs?.oid;
    expect(claimed).toMatch(/^[0-9a-f]{64}$/);
    expect(claimed).not.toBe(sha256(MODEL));
    const info = (await (await fetch(`${hub.url}/api/models/acme/example/paths-info/main`, { method: 'POST', body: new URLSearchParams({ paths: 'model.safetensors' }) })).json()) as Array<{ lfs?: { oid: string } }>;
    expect(info[0]?.lfs?.oid).toBe(claimed);
    const head = await rawRequest(resolveUrl('model.safetensors'), { method: 'HEAD' });
    expect(head.headers['x-linked-etag']).toBe(`"${claimed}"`);
    expect((await rawRequest(head.headers.location ?? '')).body.equals(MODEL)).toBe(true);
  });

  it('makes a regular file claim another git sha1 (tree oid and ETag)', async () => {
    hub.fault({ kind: 'wrong-sha', path: 'config.json' });
    const tree = (await (await fetch(treeUrl())).json()) as Array<{ path: string; oid: string }>;
    const oid = tree.find((e) => e.path === 'config.json')?.oid;
    expect(oid).not.toBe(gitBlobSha1(CONFIG));
    const res = await rawRequest(resolveUrl('config.json'));
    expect(res.headers.etag).toBe(`"${oid}"`);
    expect(res.body.equals(CONFIG)).toBe(true);
  });
});

describe("fault 'truncate'", () => {
  it('announces the full Content-Length, sends `bytes` bytes and closes, every time', async () => {
    hub.fault({ kind: 'truncate', path: 'model.safetensors', bytes: 700 });
    const url = await cdnUrl();
    for (let i = 0; i < 2; i++) {
      const res = await rawRequest(url);
      expect([res.headers['content-length'], res.body.length, res.complete]).toEqual([String(MODEL.length), 700, false]);
    }
    // Offsets are file offsets: a resume past the cut gets nothing.
    const resumed = await rawRequest(url, { headers: { range: 'bytes=700-' } });
    expect([resumed.status, resumed.body.length, resumed.complete]).toEqual([206, 0, false]);
  });
});

describe("fault 'extra-tree-entry'", () => {
  it('lists a hostile name in the tree, the repo info and paths-info, and serves it if asked by that exact name', async () => {
    hub.fault({ kind: 'extra-tree-entry', path: '../escape', content: Buffer.from('x') });
    hub.fault({ kind: 'extra-tree-entry', path: '/etc/x' });
    const tree = (await (await fetch(treeUrl())).json()) as Array<{ path: string; oid: string; size: number }>;
    expect(tree.find((e) => e.path === '../escape')).toEqual({ type: 'file', path: '../escape', size: 1, oid: gitBlobSha1(Buffer.from('x')) });
    expect(tree.some((e) => e.path === '/etc/x')).toBe(true);
    const top = (await (await fetch(`${hub.url}${treePath('acme/example', 'main')}`)).json()) as Array<{ path: string }>;
    expect(top.map((e) => e.path)).toContain('/etc/x');
    const info = (await (await fetch(`${hub.url}/api/models/acme/example/revision/main`)).json()) as { siblings: Array<{ rfilename: string }> };
    expect(info.siblings.map((s) => s.rfilename)).toContain('../escape');
    const served = await rawRequest(`${hub.url}/acme/example/resolve/main/..%2Fescape`);
    expect([served.status, served.body.toString()]).toEqual([200, 'x']);
  });
});

describe("fault 'redirect-foreign'", () => {
  it('redirects to the foreign origin, which serves the bytes and records any Authorization it gets', async () => {
    hub.fault({ kind: 'redirect-foreign', path: 'config.json' });
    const res = await rawRequest(resolveUrl('config.json'), { headers: { authorization: `Bearer ${hub.token}` } });
    expect(res.status).toBe(302);
    expect(res.headers['x-linked-etag']).toBe(`"${gitBlobSha1(CONFIG)}"`);
    const location = res.headers.location ?? '';
    expect(new URL(location).origin).toBe(hub.foreignUrl);
    expect((await rawRequest(location)).body.equals(CONFIG)).toBe(true);
    expect(hub.foreignAuthorizations()).toEqual([]);
    await rawRequest(location, { headers: { authorization: `Bearer ${hub.token}` } });
    expect(hub.foreignAuthorizations()).toEqual([`Bearer ${hub.token}`]);
  });
});

describe("fault 'no-repo-commit-header'", () => {
  it('drops X-Repo-Commit from resolve answers for one path, or all', async () => {
    hub.fault({ kind: 'no-repo-commit-header', path: 'config.json' });
    expect((await rawRequest(resolveUrl('config.json'))).headers['x-repo-commit']).toBeUndefined();
    expect((await rawRequest(resolveUrl('README.md'))).headers['x-repo-commit']).toBeDefined();
    hub.fault({ kind: 'no-repo-commit-header' });
    expect((await rawRequest(resolveUrl('README.md'))).headers['x-repo-commit']).toBeUndefined();
    expect((await rawRequest(resolveUrl('model.safetensors'))).headers['x-repo-commit']).toBeUndefined();
  });
});

describe("fault 'range-ignored'", () => {
  it('answers a Range request with 200 and the whole body', async () => {
    hub.fault({ kind: 'range-ignored', path: 'model.safetensors' });
    const res = await rawRequest(await cdnUrl(), { headers: { range: 'bytes=100-' } });
    expect([res.status, res.headers['content-range'], res.body.equals(MODEL)]).toEqual([200, undefined, true]);
  });
});

describe('clearFaults', () => {
  it('disarms every fault', async () => {
    hub.fault({ kind: 'wrong-bytes', path: 'config.json' });
    hub.fault({ kind: 'status', status: 500, times: 9, on: 'api' });
    hub.clearFaults();
    expect((await rawRequest(treeUrl())).status).toBe(200);
    expect((await rawRequest(resolveUrl('config.json'))).body.equals(CONFIG)).toBe(true);
  });
});
