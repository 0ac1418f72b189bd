import { randomBytes } from 'node:crypto';
import { link, open, readFile, rename, stat, unlink, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import { sleep } from './backoff.js';
import { FetchError } from './errors.js';
import { fsError } from './fs-safe.js';
import { abortedError } from './retry.js';

export interface LockOptions {
  /** A lock whose file has not been touched for this long is stale (holders refresh it). */
  staleMs: number;
  /** Give up with LOCKED after waiting this long for a live holder. */
  waitMs: number;
  signal?: AbortSignal | undefined;
}

export type Release = () => Promise<void>;

interface Holder {
  pid: number;
  host: string;
  nonce: string;
}

/**
 * An exclusive lock file (`open(O_CREAT|O_EXCL)`) holding `{pid, host, nonce}`, refreshed while held.
 * It is stale when its mtime is older than `staleMs`, when its holder is a dead process on this host,
 * or when it is not ours at all (huggingface_hub's filelock leaves empty `.lock` files behind and
 * locks them with flock, which this lock does not see: correctness against it rests on unique temp
 * files and atomic renames, as huggingface_hub's own does since 1.18).
 */
export async function acquireLock(path: string, options: LockOptions): Promise<Release> {
  const started = Date.now();
  const me: Holder = { pid: process.pid, host: hostname(), nonce: randomBytes(8).toString('hex') };
  const body = JSON.stringify(me);
  for (let attempt = 0; ; attempt++) {
    if (options.signal?.aborted) throw abortedError();
    if (await tryCreate(path, body)) return holdLock(path, body, options.staleMs);
    const current = await inspect(path);
    if (current !== undefined && isStale(current, options.staleMs)) {
      await breakLock(path, current.body);
      continue;
    }
    if (Date.now() - started > options.waitMs) throw new FetchError('LOCKED', `cache lock ${path} is held by another process (waited ${Math.round(options.waitMs / 1000)} s)`);
    try {
      await sleep(Math.min(25 * 2 ** Math.min(attempt, 5), 500), options.signal);
    } catch {
      throw abortedError();
    }
  }
}

/** Writes the body to a private temp file, then link(2)s it into place: the lock never exists half-written. */
async function tryCreate(path: string, body: string): Promise<boolean> {
  const temp = `${path}.${randomBytes(4).toString('hex')}.new`;
  try {
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(body);
    } finally {
      await handle.close();
    }
    await link(temp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw fsError(error, `create lock ${path}`);
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

function holdLock(path: string, body: string, staleMs: number): Release {
  const timer = setInterval(() => {
    const now = new Date();
    utimes(path, now, now).catch(() => undefined);
  }, Math.max(50, Math.floor(staleMs / 4)));
  timer.unref();
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    clearInterval(timer);
    try {
      if ((await readFile(path, 'utf8')) === body) await unlink(path);
    } catch {
      // Already broken as stale by someone else: nothing of ours to remove.
    }
  };
}

interface LockState {
  body: string;
  holder: Holder | undefined;
  mtimeMs: number;
}

async function inspect(path: string): Promise<LockState | undefined> {
  try {
    const [body, info] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    return { body, holder: parseHolder(body), mtimeMs: info.mtimeMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw fsError(error, `read lock ${path}`);
  }
}

export function parseHolder(body: string): Holder | undefined {
  try {
    const value = JSON.parse(body) as Partial<Holder>;
    if (typeof value.pid === 'number' && typeof value.host === 'string' && typeof value.nonce === 'string') return value as Holder;
  } catch {
    // not ours
  }
  return undefined;
}

export function isStale(state: LockState, staleMs: number, now = Date.now(), host = hostname(), alive = processAlive): boolean {
  if (state.holder === undefined) return state.body.length === 0 || now - state.mtimeMs > staleMs;
  if (now - state.mtimeMs > staleMs) return true;
  return state.holder.host === host && !alive(state.holder.pid);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes a stale lock without deleting a fresh one that replaced it in the meantime: move it aside
 * atomically, and if what was moved is not what was judged stale, put it back (link fails if taken).
 */
async function breakLock(path: string, staleBody: string): Promise<void> {
  const grave = `${path}.${randomBytes(4).toString('hex')}.stale`;
  try {
    await rename(path, grave);
  } catch {
    return;
  }
  try {
    if ((await readFile(grave, 'utf8')) !== staleBody) await link(grave, path).catch(() => undefined);
  } finally {
    await unlink(grave).catch(() => undefined);
  }
}
