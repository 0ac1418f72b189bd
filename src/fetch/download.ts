import { constants } from 'node:fs';
import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import type { BackoffPolicy } from './backoff.js';
import { blobPath, incompletePath, type RepoCache } from './cache-layout.js';
import { verifyCachedBlob } from './cache-verify.js';
import { ChunkWriter } from './chunk-writer.js';
import { FetchError, type FetchErrorCode } from './errors.js';
import { fsError, lstatOrUndefined } from './fs-safe.js';
import { BlobHasher, type Digests, hashFilePrefix } from './hash.js';
import { header, normalizeEtag, parseContentRange, parseSize } from './headers.js';
import { describeUrl, discard, type HttpResponse, type HubHttp, isRedirect, redirectTarget, statusFailure, transportFailure } from './http.js';
import type { RepoId } from './repo-id.js';
import { pause, Retryable } from './retry.js';
import { expectedEtag, type TreeFile } from './tree.js';
import { resolveUrl, sameOrigin } from './urls.js';

export interface DownloadContext {
  http: HubHttp;
  repo: RepoId;
  rc: RepoCache;
  revision: string;
  commit: string;
  backoff: BackoffPolicy;
  signal: AbortSignal | undefined;
  /** Bytes received (negative when a restart discards bytes already counted). */
  onBytes: (delta: number) => void;
}

export interface BlobResult {
  digests: Digests;
  downloaded: boolean;
  /** A cached blob failed re-verification and was replaced. */
  repaired: boolean;
}

const MAX_REDIRECTS = 5;
const MAX_ATTEMPTS = 100;
/** Partial files survive these failures, so the next run resumes; any other failure deletes them. */
const KEEP_PARTIAL: ReadonlySet<FetchErrorCode> = new Set(['NETWORK', 'TIMEOUT', 'DISK_FULL', 'LOCKED']);

/**
 * Makes `blobs/<etag>` hold the verified content of `file` (the caller holds the blob's lock):
 * a cached blob is re-hashed and kept, or deleted and fetched again when it does not verify.
 */
export async function ensureBlob(ctx: DownloadContext, file: TreeFile): Promise<BlobResult> {
  const etag = expectedEtag(file);
  const blob = blobPath(ctx.rc, etag);
  const cached = await verifyCachedBlob(blob, etag, file.size);
  if (cached.state === 'ok') return { digests: cached.digests, downloaded: false, repaired: false };
  if (cached.state === 'corrupt') await rm(blob, { force: true }).catch((error: unknown) => Promise.reject(fsError(error, `remove corrupt blob ${blob}`, file.path)));
  const digests = await downloadToIncomplete(ctx, file, etag);
  try {
    await rename(incompletePath(ctx.rc, etag), blob);
  } catch (error) {
    throw fsError(error, `move ${file.path} into the cache`, file.path);
  }
  return { digests, downloaded: true, repaired: cached.state === 'corrupt' };
}

async function downloadToIncomplete(ctx: DownloadContext, file: TreeFile, etag: string): Promise<Digests> {
  const part = incompletePath(ctx.rc, etag);
  const existing = await lstatOrUndefined(part);
  if (existing && !existing.isFile()) await rm(part, { recursive: true, force: true });
  let handle: FileHandle;
  try {
    handle = await open(part, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, 0o666);
  } catch (error) {
    throw fsError(error, `create ${part}`, file.path);
  }
  const hasher = new BlobHasher(!file.lfs, file.size, file.path);
  try {
    const resumeFrom = await resumePoint(handle, part, hasher, file.size);
    ctx.onBytes(resumeFrom);
    // Each batch is hashed once it is on disk: the hasher takes the buffers over (no copy, no re-read).
    const writer = new ChunkWriter(handle, resumeFrom, (buffers) => hasher.update(buffers));
    await transferWithRetries(ctx, file, etag, writer, hasher);
    await writer.flush().catch((error: unknown) => Promise.reject(fsError(error, `write ${file.path}`, file.path)));
    // Every byte is in the file and was handed to the hasher: size (writer.offset) and digest decide.
    const digests = await hasher.digest();
    if (digests.bytes !== file.size) throw new FetchError('INTEGRITY', `${file.path}: ${digests.bytes} bytes hashed, ${file.size} listed`, { file: file.path });
    const ok = file.lfs ? digests.sha256 === file.lfs.sha256 : digests.gitSha1 === file.oid;
    if (!ok) {
      const [kind, want, got] = file.lfs ? ['sha256', file.lfs.sha256, digests.sha256] : ['git sha1', file.oid, digests.gitSha1 ?? ''];
      throw new FetchError('INTEGRITY', `${file.path}: ${kind} mismatch (expected ${want}, got ${got})`, { file: file.path });
    }
    await handle.close();
    return digests;
  } catch (error) {
    hasher.dispose();
    await handle.close().catch(() => undefined);
    const coded = error instanceof FetchError ? error : fsError(error, `download ${file.path}`, file.path);
    if (!KEEP_PARTIAL.has(coded.code)) await rm(part, { force: true }).catch(() => undefined);
    throw coded;
  }
}

/** Bytes already in the partial file, re-hashed once; a partial longer than the file starts over. */
async function resumePoint(handle: FileHandle, part: string, hasher: BlobHasher, size: number): Promise<number> {
  const { size: have } = await handle.stat();
  if (have === 0) return 0;
  if (have > size) {
    await handle.truncate(0);
    return 0;
  }
  const read = await hashFilePrefix(part, hasher, have);
  if (read !== have) {
    hasher.reset();
    await handle.truncate(0);
    return 0;
  }
  return have;
}

async function transferWithRetries(ctx: DownloadContext, file: TreeFile, etag: string, writer: ChunkWriter, hasher: BlobHasher): Promise<void> {
  let failures = 0;
  for (let attempt = 0; writer.offset < file.size; attempt++) {
    const before = writer.offset;
    try {
      await transferOnce(ctx, file, etag, writer, hasher);
    } catch (error) {
      if (!(error instanceof Retryable)) throw error;
      // What arrived is good: keep it on disk before trying again from there.
      await writer.flush().catch((e: unknown) => Promise.reject(fsError(e, `write ${file.path}`, file.path)));
      if (writer.offset > before) failures = 0;
      if (failures >= ctx.backoff.retries || attempt >= MAX_ATTEMPTS) throw error.error;
      await pause(ctx.backoff, failures, error.retryAfterMs, ctx.signal);
      failures++;
    }
  }
}

/** One GET of the file from the current offset, following the hub's redirect to its CDN. */
async function transferOnce(ctx: DownloadContext, file: TreeFile, etag: string, writer: ChunkWriter, hasher: BlobHasher): Promise<void> {
  const offset = writer.offset;
  const extra: Record<string, string> = { 'accept-encoding': 'identity' };
  if (offset > 0) extra.range = `bytes=${offset}-`;
  const errorCtx = { repo: ctx.repo.id, revision: ctx.commit, file: file.path, tokenSent: ctx.http.tokenSent };
  let url = resolveUrl(ctx.http.settings.endpoint, ctx.repo, ctx.commit, file.path);
  let res: HttpResponse | undefined;
  for (let hop = 0; ; hop++) {
    res = await ctx.http.once(url, 'GET', extra);
    const ok = res.status === 200 || res.status === 206 || isRedirect(res.status);
    if (!ok) throw await statusFailure(res, errorCtx, ctx.backoff.retryAfterCapMs);
    // Every answer from the hub itself (a renamed repo may add a same-origin hop) is held to the protocol.
    if (sameOrigin(url, ctx.http.settings.endpoint)) await checkResolveHeaders(res, file, etag, ctx.commit);
    if (!isRedirect(res.status)) break;
    await discard(res);
    if (hop >= MAX_REDIRECTS) throw new FetchError('PROTOCOL', `${file.path}: too many redirects`, { file: file.path });
    url = redirectTarget(res, url);
  }
  await checkBodyHeaders(res, file, offset);
  if (res.status === 200 && offset > 0) {
    // The server ignored the Range: the partial bytes are replaced by the full body.
    // The writer first: batches already on disk reach the hasher before its reset.
    await writer.reset().catch((error: unknown) => Promise.reject(fsError(error, `truncate ${file.path}`, file.path)));
    hasher.reset();
    ctx.onBytes(-offset);
  }
  await streamBody(ctx, res, file, writer);
}

/** The hub's own answer for this file must name the resolved commit and the etag/size the tree listed. */
async function checkResolveHeaders(res: HttpResponse, file: TreeFile, etag: string, commit: string): Promise<void> {
  const fail = async (why: string): Promise<never> => {
    await discard(res);
    throw new FetchError('PROTOCOL', `${file.path}: ${why}`, { file: file.path });
  };
  const repoCommit = header(res.headers, 'x-repo-commit');
  if (repoCommit === undefined) return fail('hub answer has no X-Repo-Commit header');
  if (repoCommit.trim() !== commit) return fail(`hub served commit ${repoCommit.trim().slice(0, 40)} instead of ${commit}`);
  const rawEtag = header(res.headers, 'x-linked-etag') ?? header(res.headers, 'etag');
  if (rawEtag === undefined) return fail('hub answer has no ETag');
  if (normalizeEtag(rawEtag) !== etag) return fail(`hub etag ${normalizeEtag(rawEtag).slice(0, 64)} does not match the tree listing (${etag})`);
  const linked = header(res.headers, 'x-linked-size');
  if (linked !== undefined && parseSize(linked) !== file.size) return fail(`hub size ${linked.slice(0, 20)} does not match the tree listing (${file.size})`);
}

async function checkBodyHeaders(res: HttpResponse, file: TreeFile, offset: number): Promise<void> {
  const fail = async (why: string): Promise<never> => {
    await discard(res);
    throw new FetchError('PROTOCOL', `${file.path}: ${why}`, { file: file.path });
  };
  const encoding = header(res.headers, 'content-encoding');
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') return fail(`served with Content-Encoding ${encoding.slice(0, 20)}`);
  const length = header(res.headers, 'content-length');
  if (res.status === 200) {
    if (length !== undefined && parseSize(length) !== file.size) return fail(`Content-Length ${length.slice(0, 20)} does not match the tree listing (${file.size})`);
    return;
  }
  if (offset === 0) return fail('206 answer to a request without Range');
  const range = parseContentRange(header(res.headers, 'content-range'));
  if (!range || range.start !== offset || range.end !== file.size - 1 || (range.total !== undefined && range.total !== file.size)) {
    return fail(`Content-Range does not answer bytes=${offset}-`);
  }
  if (length !== undefined && parseSize(length) !== file.size - offset) return fail('Content-Length does not match Content-Range');
}

async function streamBody(ctx: DownloadContext, res: HttpResponse, file: TreeFile, writer: ChunkWriter): Promise<void> {
  // Name the repository file, not the (CDN) URL: the error must say which file failed.
  const where = `${file.path} (${describeUrl(res.url)})`;
  try {
    for await (const chunk of res.body) {
      const buffer = chunk as Buffer;
      // Read before write(): once on disk the buffer's memory moves to the hash worker.
      const length = buffer.length;
      if (writer.offset + length > file.size) {
        res.body.destroy();
        throw new FetchError('INTEGRITY', `${file.path}: body is longer than the ${file.size} bytes listed`, { file: file.path });
      }
      try {
        await writer.write(buffer);
      } catch (error) {
        res.body.destroy();
        throw fsError(error, `write ${file.path}`, file.path);
      }
      ctx.onBytes(length);
    }
  } catch (error) {
    const failure = transportFailure(error, ctx.signal, where);
    if (failure instanceof Retryable && failure.error.code === 'NETWORK') {
      // The connection closed mid-body: if retries cannot complete it, the file is short, which is an integrity failure.
      throw new Retryable(new FetchError('INTEGRITY', `${file.path}: body ended after ${writer.offset} of ${file.size} bytes (connection closed)`, { file: file.path, cause: failure.error }));
    }
    throw failure;
  }
  if (writer.offset < file.size) {
    throw new Retryable(new FetchError('INTEGRITY', `${file.path}: body ended after ${writer.offset} of ${file.size} bytes`, { file: file.path }));
  }
}
