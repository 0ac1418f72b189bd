import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleRepo, fixture, gatedRepo, nestedCommits, nestedRepo, privateRepo } from './fixtures.js';
import { commitSha, gitBlobSha1, lfsPointer } from './hashes.js';
import { parseLinkNext, resolvePath, startHub, treePath, type Hub } from './index.js';
import { rawRequest } from './raw-http.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const MODEL = fixture('example/model.safetensors');
const CONFIG = fixture('example/config.json');
const EXAMPLE = exampleRepo().refs.main ?? '';
const NESTED = nestedCommits();

let hub: Hub;
let small: Hub;
const bearer = () => ({ authorization: `Bearer ${hub.token}` });

beforeAll(async () => {
  hub = await startHub();
  small = await startHub({ pageSize: 2 });
  for (const h of [hub, small]) {
    h.addRepo(exampleRepo());
    h.addRepo(nestedRepo());
    h.addRepo(gatedRepo());
    h.addRepo(privateRepo());
  }
});
afterAll(async () => {
  await hub.close();
  await small.close();
});

async function json<T>(url: string, init?: RequestInit): Promise<{ status: number; headers: Headers; body: T }> {
  const res = await fetch(url, { redirect: 'manual', ...init });
  return { status: res.status, headers: res.headers, body: (await res.json()) as T };
}

interface Entry {
  type: string;
  oid: string;
  size: number;
  path: string;
  lfs?: { oid: string; size: number; pointerSize: number };
}

describe('startHub', () => {
  it('listens on three distinct loopback origins and makes a hard-to-guess token', () => {
    const origins = [hub.url, hub.cdnUrl, hub.foreignUrl].map((u) => new URL(u));
    expect(origins.every((u) => u.hostname === '127.0.0.1')).toBe(true);
    expect(new Set(origins.map((u) => u.port)).size).toBe(3);
    expect(hub.token).toMatch(/^hf_[0-9a-f]{34}$/);
  });

  it('rejects fixtures that do not describe a repo', () => {
    expect(() => hub.addRepo({ id: 'no-slash', commits: {}, refs: {} })).toThrow(/org\/name/);
    expect(() => hub.addRepo({ id: 'a/b', commits: { main: [] }, refs: {} })).toThrow(/40 lowercase hex/);
    expect(() => hub.addRepo({ id: 'a/b', commits: {}, refs: { main: commitSha('x') } })).toThrow(/unknown commit/);
  });
});

describe('GET /api/models/{repo}/revision/{rev}', () => {
  it.each([
    ['main', NESTED.main],
    ['v1.0', NESTED.v1],
    ['refs/pr/1', NESTED.pr],
    [NESTED.v1, NESTED.v1],
  ])('resolves %s to its commit', async (rev, sha) => {
    const { status, body } = await json<{ sha: string; id: string }>(`${hub.url}/api/models/acme/nested/revision/${encodeURIComponent(rev)}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ id: 'acme/nested', sha });
  });

  it('accepts refs/pr/1 unencoded, and no revision at all as main', async () => {
    expect((await json<{ sha: string }>(`${hub.url}/api/models/acme/nested/revision/refs/pr/1`)).body.sha).toBe(NESTED.pr);
    expect((await json<{ sha: string }>(`${hub.url}/api/models/acme/nested`)).body.sha).toBe(NESTED.main);
  });

  it('lists only names without ?blobs=true, and sizes, blob ids and LFS digests with it', async () => {
    const plain = await json<{ siblings: unknown[] }>(`${hub.url}/api/models/acme/example/revision/main`);
    expect(plain.body.siblings).toEqual([{ rfilename: 'README.md' }, { rfilename: 'config.json' }, { rfilename: 'model.safetensors' }]);
    const blobs = await json<{ siblings: Array<Record<string, unknown>> }>(`${hub.url}/api/models/acme/example/revision/main?blobs=true`);
    expect(blobs.body.siblings[1]).toEqual({ rfilename: 'config.json', size: CONFIG.length, blobId: gitBlobSha1(CONFIG) });
    const pointer = lfsPointer(sha256(MODEL), MODEL.length);
    expect(blobs.body.siblings[2]).toEqual({
      rfilename: 'model.safetensors',
      size: MODEL.length,
      blobId: gitBlobSha1(pointer),
      lfs: { sha256: sha256(MODEL), size: MODEL.length, pointerSize: pointer.length },
    });
  });

  it('answers 404 RevisionNotFound for an unknown revision', async () => {
    const res = await json(`${hub.url}/api/models/acme/example/revision/nope`);
    expect(res.status).toBe(404);
    expect(res.headers.get('x-error-code')).toBe('RevisionNotFound');
    expect(res.headers.get('x-error-message')).toContain('nope');
  });

  it('answers RepoNotFound for an unknown repo: 401 anonymously, 404 with a valid token', async () => {
    const anon = await json(`${hub.url}/api/models/acme/missing/revision/main`);
    expect([anon.status, anon.headers.get('x-error-code')]).toEqual([401, 'RepoNotFound']);
    const authed = await json(`${hub.url}/api/models/acme/missing/revision/main`, { headers: bearer() });
    expect([authed.status, authed.headers.get('x-error-code')]).toEqual([404, 'RepoNotFound']);
  });
});

describe('GET /api/models/{repo}/tree/{rev}', () => {
  it('lists every file and directory recursively, with git and LFS object ids', async () => {
    const { status, body } = await json<Entry[]>(`${hub.url}${treePath('acme/nested', NESTED.main)}?recursive=true`);
    expect(status).toBe(200);
    expect(body.map((e) => `${e.type}:${e.path}`)).toEqual([
      'file:README.md',
      'file:config.json',
      'file:model.safetensors',
      'directory:onnx',
      'file:onnx/model.onnx',
      'directory:tokenizer',
      'file:tokenizer/vocab.json',
      'directory:weights',
      'directory:weights/extra',
      'file:weights/extra/array.npy',
    ]);
    const model = body.find((e) => e.path === 'model.safetensors');
    const pointer = lfsPointer(sha256(MODEL), MODEL.length);
    expect(model).toEqual({ type: 'file', path: 'model.safetensors', size: MODEL.length, oid: gitBlobSha1(pointer), lfs: { oid: sha256(MODEL), size: MODEL.length, pointerSize: pointer.length } });
    expect(body.find((e) => e.path === 'config.json')).toEqual({ type: 'file', path: 'config.json', size: CONFIG.length, oid: gitBlobSha1(CONFIG) });
  });

  it('lists one level without recursive=true, and a sub-folder when given a path', async () => {
    const top = await json<Entry[]>(`${hub.url}${treePath('acme/nested', 'main')}`);
    expect(top.body.map((e) => e.path)).toEqual(['README.md', 'config.json', 'model.safetensors', 'onnx', 'tokenizer', 'weights']);
    const sub = await json<Entry[]>(`${hub.url}${treePath('acme/nested', 'refs/pr/1', 'weights')}?recursive=true`);
    expect(sub.body.map((e) => e.path)).toEqual(['weights/extra', 'weights/extra/array.npy', 'weights/torch', 'weights/torch/model.pt']);
  });

  it('answers 404 EntryNotFound for a folder that does not exist', async () => {
    const res = await json(`${hub.url}${treePath('acme/nested', 'main', 'nope')}`);
    expect([res.status, res.headers.get('x-error-code')]).toEqual([404, 'EntryNotFound']);
  });

  it('pages with Link rel="next" when there are more entries than pageSize', async () => {
    const paths: string[] = [];
    let next: string | undefined = `${small.url}${treePath('acme/nested', 'refs/pr/1')}?recursive=true`;
    let pages = 0;
    while (next) {
      const res = await json<Entry[]>(next);
      expect(res.body.length).toBeLessThanOrEqual(2);
      paths.push(...res.body.map((e) => e.path));
      next = parseLinkNext(res.headers.get('link') ?? undefined);
      if (next) expect(new URL(next).origin).toBe(small.url);
      pages += 1;
    }
    const whole = await json<Entry[]>(`${hub.url}${treePath('acme/nested', 'refs/pr/1')}?recursive=true`);
    expect(whole.headers.get('link')).toBeNull();
    expect(paths).toEqual(whole.body.map((e) => e.path));
    expect(pages).toBe(Math.ceil(whole.body.length / 2));
  });

  it('rejects a forged cursor with 400', async () => {
    const res = await json(`${small.url}${treePath('acme/nested', 'main')}?recursive=true&cursor=%%%`);
    expect(res.status).toBe(400);
  });
});

describe('POST /api/models/{repo}/paths-info/{rev}', () => {
  it('describes the paths asked for (form or JSON) and silently omits missing ones', async () => {
    const form = await json<Entry[]>(`${hub.url}/api/models/acme/nested/paths-info/main`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'paths=config.json&paths=missing.bin&paths=onnx',
    });
    expect(form.body.map((e) => `${e.type}:${e.path}`)).toEqual(['file:config.json', 'directory:onnx']);
    const body = await json<Entry[]>(`${hub.url}/api/models/acme/nested/paths-info/main`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ paths: ['model.safetensors'] }),
    });
    expect(body.body[0]?.lfs?.oid).toBe(sha256(MODEL));
  });
});

describe('HEAD|GET /{repo}/resolve/{rev}/{path}', () => {
  it('serves a regular file with ETag = git blob sha1 and X-Repo-Commit of the resolved branch', async () => {
    const res = await rawRequest(`${hub.url}${resolvePath('acme/example', 'main', 'config.json')}`);
    expect(res.status).toBe(200);
    expect(res.headers.etag).toBe(`"${gitBlobSha1(CONFIG)}"`);
    expect(res.headers['x-repo-commit']).toBe(EXAMPLE);
    expect(res.headers['content-length']).toBe(String(CONFIG.length));
    expect(res.headers['accept-ranges']).toBe('bytes');
    expect(res.body.equals(CONFIG)).toBe(true);
  });

  it('answers HEAD with the same headers and no body', async () => {
    const res = await rawRequest(`${hub.url}${resolvePath('acme/example', EXAMPLE, 'config.json')}`, { method: 'HEAD' });
    expect([res.status, res.headers.etag, res.headers['content-length'], res.body.length]).toEqual([200, `"${gitBlobSha1(CONFIG)}"`, String(CONFIG.length), 0]);
  });

  it.each([
    ['bytes=10-19', 206, 10, 20, 'bytes 10-19/'],
    ['bytes=100-', 206, 100, CONFIG.length, `bytes 100-${CONFIG.length - 1}/`],
    ['bytes=-5', 206, CONFIG.length - 5, CONFIG.length, `bytes ${CONFIG.length - 5}-${CONFIG.length - 1}/`],
    ['bytes=0-99999', 206, 0, CONFIG.length, `bytes 0-${CONFIG.length - 1}/`],
  ])('answers Range %s with %i and Content-Range', async (range, status, start, end, contentRange) => {
    const res = await rawRequest(`${hub.url}${resolvePath('acme/example', EXAMPLE, 'config.json')}`, { headers: { range } });
    expect(res.status).toBe(status);
    expect(res.headers['content-range']).toBe(`${contentRange}${CONFIG.length}`);
    expect(res.body.equals(CONFIG.subarray(start, end))).toBe(true);
  });

  it('answers 416 with bytes */size to a range past the end', async () => {
    const res = await rawRequest(`${hub.url}${resolvePath('acme/example', EXAMPLE, 'config.json')}`, { headers: { range: `bytes=${CONFIG.length}-` } });
    expect([res.status, res.headers['content-range']]).toEqual([416, `bytes */${CONFIG.length}`]);
  });

  it('redirects an LFS file to a signed CDN URL with X-Linked-Etag = sha256 and X-Linked-Size', async () => {
    const res = await rawRequest(`${hub.url}${resolvePath('acme/example', 'main', 'model.safetensors')}`);
    expect(res.status).toBe(302);
    expect(res.headers['x-linked-etag']).toBe(`"${sha256(MODEL)}"`);
    expect(res.headers['x-linked-size']).toBe(String(MODEL.length));
    expect(res.headers['x-repo-commit']).toBe(EXAMPLE);
    expect(res.headers['content-length']).not.toBe(String(MODEL.length));
    const location = res.headers.location ?? '';
    expect(new URL(location).origin).toBe(hub.cdnUrl);
    expect(location).toContain(sha256(MODEL));
    const cdn = await rawRequest(location);
    expect([cdn.status, cdn.headers.etag]).toEqual([200, `"${sha256(MODEL)}"`]);
    expect(cdn.body.equals(MODEL)).toBe(true);
    const ranged = await rawRequest(location, { headers: { range: 'bytes=1000-' } });
    expect([ranged.status, ranged.headers['content-range']]).toEqual([206, `bytes 1000-${MODEL.length - 1}/${MODEL.length}`]);
    expect(ranged.body.equals(MODEL.subarray(1000))).toBe(true);
  });

  it('CDN refuses any URL it did not sign', async () => {
    const res = await rawRequest(`${hub.url}${resolvePath('acme/example', 'main', 'model.safetensors')}`);
    const location = new URL(res.headers.location ?? '');
    const forged = new URL(location);
    forged.searchParams.set('file', 'other.bin');
    const unsigned = `${hub.cdnUrl}${location.pathname}`;
    for (const url of [forged.href, unsigned, `${hub.cdnUrl}/repos/${sha256(MODEL)}`]) expect((await rawRequest(url)).status).toBe(403);
  });

  it('answers 404 EntryNotFound with X-Repo-Commit for a missing file, and 404 RevisionNotFound for a bad revision', async () => {
    const entry = await rawRequest(`${hub.url}${resolvePath('acme/example', 'main', 'nope.bin')}`);
    expect([entry.status, entry.headers['x-error-code'], entry.headers['x-repo-commit']]).toEqual([404, 'EntryNotFound', EXAMPLE]);
    const rev = await rawRequest(`${hub.url}${resolvePath('acme/example', 'nope', 'config.json')}`);
    expect([rev.status, rev.headers['x-error-code']]).toEqual([404, 'RevisionNotFound']);
  });

  it('serves nested paths at refs/pr/1 given as refs%2Fpr%2F1', async () => {
    const res = await rawRequest(`${hub.url}/acme/nested/resolve/refs%2Fpr%2F1/weights/extra/array.npy`);
    expect([res.status, res.headers['x-repo-commit']]).toEqual([200, NESTED.pr]);
    expect(res.body.equals(fixture('numpy/float32-v1.npy'))).toBe(true);
  });
});

describe('gated and private repos', () => {
  const file = (repo: string, path: string) => `${hub.url}${resolvePath(repo, 'main', path)}`;

  it('gated: lists files to anyone, serves them only with the valid token', async () => {
    expect((await rawRequest(`${hub.url}/api/models/acme/gated/revision/main`)).status).toBe(200);
    const anon = await rawRequest(file('acme/gated', 'config.json'));
    expect([anon.status, anon.headers['x-error-code']]).toEqual([401, 'GatedRepo']);
    expect(anon.headers['x-error-message']).toMatch(/restricted/);
    const wrong = await rawRequest(file('acme/gated', 'config.json'), { headers: { authorization: 'Bearer hf_wrong' } });
    expect([wrong.status, wrong.headers['x-error-code']]).toEqual([403, 'GatedRepo']);
    expect((await rawRequest(file('acme/gated', 'config.json'), { headers: bearer() })).status).toBe(200);
    expect((await rawRequest(file('acme/gated', 'model.safetensors'), { headers: bearer() })).status).toBe(302);
  });

  it('private: 401 RepoNotFound everywhere without the valid token', async () => {
    for (const url of [`${hub.url}/api/models/acme/private/revision/main`, file('acme/private', 'config.json')]) {
      for (const headers of [{}, { authorization: 'Bearer hf_wrong' }] as Array<Record<string, string>>) {
        const res = await rawRequest(url, { headers });
        expect([res.status, res.headers['x-error-code']]).toEqual([401, 'RepoNotFound']);
      }
      expect((await rawRequest(url, { headers: bearer() })).status).toBe(200);
    }
  });
});

describe('hub.requests', () => {
  it('records origin, method, absolute URL and headers of every request', async () => {
    const before = hub.requests.length;
    const res = await rawRequest(`${hub.url}${resolvePath('acme/example', 'main', 'model.safetensors')}`, { method: 'HEAD', headers: { 'x-probe': '1' } });
    await rawRequest(res.headers.location ?? '', { headers: { range: 'bytes=0-0' } });
    const seen = hub.requests.slice(before);
    expect(seen.map((r) => [r.origin, r.method])).toEqual([
      ['hub', 'HEAD'],
      ['cdn', 'GET'],
    ]);
    expect(seen[0]?.url).toBe(`${hub.url}/acme/example/resolve/main/model.safetensors`);
    expect(seen[0]?.headers['x-probe']).toBe('1');
    expect(seen[1]?.headers.range).toBe('bytes=0-0');
  });
});

describe('lazy content', () => {
  it('serves { size, read } content in slices, with its digests, whole and by range', async () => {
    const size = 3 * 1024 * 1024 + 17;
    const byteAt = (i: number) => (i * 7 + (i >> 10)) & 0xff;
    const read = (offset: number, length: number) => {
      const out = Buffer.allocUnsafe(length);
      for (let k = 0; k < length; k++) out[k] = byteAt(offset + k);
      return out;
    };
    const whole = read(0, size);
    const sha = commitSha('lazy');
    hub.addRepo({ id: 'acme/lazy', commits: { [sha]: [{ path: 'big.bin', content: { size, read }, lfs: true }] }, refs: { main: sha } });
    const head = await rawRequest(`${hub.url}${resolvePath('acme/lazy', 'main', 'big.bin')}`, { method: 'HEAD' });
    expect(head.headers['x-linked-etag']).toBe(`"${sha256(whole)}"`);
    const body = await rawRequest(head.headers.location ?? '');
    expect(body.body.equals(whole)).toBe(true);
    const part = await rawRequest(head.headers.location ?? '', { headers: { range: 'bytes=1048570-2097160' } });
    expect(part.body.equals(whole.subarray(1048570, 2097161))).toBe(true);
  });
});
