import { Agent, request } from 'undici';
import type { Dispatcher } from 'undici';
import { type BackoffPolicy, isRetryableStatus } from './backoff.js';
import { FetchError } from './errors.js';
import { header, type Headers, parseRetryAfter } from './headers.js';
import { type ErrorContext, hubStatusError } from './hub-errors.js';
import { abortedError, Retryable, withRetries } from './retry.js';
import { sameOrigin } from './urls.js';

export interface HttpSettings {
  endpoint: string;
  token: string | undefined;
  connectMs: number;
  stallMs: number;
  backoff: BackoffPolicy;
  signal: AbortSignal | undefined;
  userAgent: string;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  body: Dispatcher.ResponseData['body'];
  url: string;
}

const MAX_REDIRECTS = 5;

/**
 * The only place that talks to the network. One undici Agent per fetch (connect timeout; headers
 * and body stall timeouts), no automatic redirects, and the Authorization header only for URLs on
 * the endpoint's exact origin: a redirect to a CDN or any other host never sees the token.
 */
export class HubHttp {
  private readonly agent: Agent;
  constructor(readonly settings: HttpSettings) {
    this.agent = new Agent({
      connect: { timeout: settings.connectMs },
      headersTimeout: settings.stallMs,
      bodyTimeout: settings.stallMs,
      keepAliveTimeout: 4_000,
    });
  }

  get tokenSent(): boolean {
    return this.settings.token !== undefined;
  }

  headersFor(url: string, extra: Record<string, string> = {}): Record<string, string> {
    const headers: Record<string, string> = { 'user-agent': this.settings.userAgent, ...extra };
    if (this.settings.token !== undefined && sameOrigin(url, this.settings.endpoint)) headers.authorization = `Bearer ${this.settings.token}`;
    return headers;
  }

  /** One request, no redirect handling. Transport failures become Retryable NETWORK/TIMEOUT errors. */
  async once(url: string, method: 'GET' | 'HEAD', extra?: Record<string, string>): Promise<HttpResponse> {
    if (this.settings.signal?.aborted) throw abortedError();
    try {
      const res = await request(url, {
        method,
        headers: this.headersFor(url, extra),
        dispatcher: this.agent,
        ...(this.settings.signal ? { signal: this.settings.signal } : {}),
      });
      return { status: res.statusCode, headers: res.headers as Headers, body: res.body, url };
    } catch (error) {
      throw transportFailure(error, this.settings.signal, describeUrl(url));
    }
  }

  /**
   * GET a JSON document from the hub API, with retries on 408/429/5xx and transport failures, and
   * same-origin redirects only (a renamed repo); the body is capped at `maxBytes`.
   */
  async getJson(url: string, ctx: ErrorContext, maxBytes: number): Promise<{ json: unknown; headers: Headers; url: string }> {
    return withRetries(this.settings.backoff, this.settings.signal, async () => {
      let current = url;
      for (let hop = 0; ; hop++) {
        const res = await this.once(current, 'GET', { accept: 'application/json' });
        if (isRedirect(res.status)) {
          await discard(res);
          const next = redirectTarget(res, current);
          if (hop >= MAX_REDIRECTS || !sameOrigin(next, this.settings.endpoint)) {
            throw new FetchError('PROTOCOL', `hub API redirected ${describeUrl(current)} off the endpoint or too often`);
          }
          current = next;
          continue;
        }
        if (res.status !== 200) throw await statusFailure(res, ctx);
        const text = await readCapped(res, maxBytes, this.settings.signal);
        try {
          return { json: JSON.parse(text) as unknown, headers: res.headers, url: current };
        } catch {
          throw new FetchError('PROTOCOL', `hub API answered ${describeUrl(current)} with invalid JSON`);
        }
      }
    });
  }

  async close(): Promise<void> {
    await this.agent.close().catch(() => undefined);
  }
}

export function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

export function redirectTarget(res: HttpResponse, current: string): string {
  const location = header(res.headers, 'location');
  if (!location) throw new FetchError('PROTOCOL', `redirect without Location from ${describeUrl(current)}`);
  let next: URL;
  try {
    next = new URL(location, current);
  } catch {
    throw new FetchError('PROTOCOL', `redirect to a malformed Location from ${describeUrl(current)}`);
  }
  if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new FetchError('PROTOCOL', `redirect to a non-HTTP URL from ${describeUrl(current)}`);
  if (next.username || next.password) throw new FetchError('PROTOCOL', `redirect to a URL with credentials from ${describeUrl(current)}`);
  return next.toString();
}

/** The error for a non-success answer: Retryable for 408/429/5xx (honouring Retry-After), coded otherwise. */
export async function statusFailure(res: HttpResponse, ctx: ErrorContext, capMs = 60_000): Promise<Error> {
  await discard(res);
  const error = hubStatusError(res.status, res.headers, ctx);
  if (!isRetryableStatus(res.status)) return error;
  let retryAfter: number | undefined;
  try {
    retryAfter = parseRetryAfter(header(res.headers, 'retry-after'), capMs);
  } catch {
    retryAfter = undefined;
  }
  return new Retryable(error, retryAfter);
}

export async function discard(res: HttpResponse): Promise<void> {
  await res.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
}

async function readCapped(res: HttpResponse, maxBytes: number, signal: AbortSignal | undefined): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of res.body) {
      total += (chunk as Buffer).length;
      if (total > maxBytes) {
        res.body.destroy();
        throw new FetchError('PROTOCOL', `hub API answer larger than ${maxBytes} bytes`);
      }
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    if (error instanceof FetchError) throw error;
    throw transportFailure(error, signal, describeUrl(res.url));
  }
  return Buffer.concat(chunks).toString('utf8');
}

const NETWORK_CODES = new Set(['UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH', 'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ETIMEDOUT', 'ENOTFOUND']);
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/**
 * Maps an undici/socket failure to a Retryable NETWORK or TIMEOUT error (a FetchError when the
 * caller aborted). Only the error code and a fixed description reach the message.
 */
export function transportFailure(error: unknown, signal: AbortSignal | undefined, where: string): Error {
  if (error instanceof FetchError || error instanceof Retryable) return error;
  if (signal?.aborted) return abortedError();
  const code = errorCode(error);
  if (code !== undefined && TIMEOUT_CODES.has(code)) {
    const what = code === 'UND_ERR_CONNECT_TIMEOUT' ? 'connect timeout' : 'stalled: no data within the stall timeout';
    return new Retryable(new FetchError('TIMEOUT', `${where}: ${what}`, { cause: error }));
  }
  if (code === 'UND_ERR_ABORTED') return abortedError();
  const detail = code !== undefined && NETWORK_CODES.has(code) ? code : (code ?? 'connection failed');
  return new Retryable(new FetchError('NETWORK', `${where}: network error ${detail}`, { cause: error }));
}

function errorCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  if (error instanceof Error && error.message === 'terminated') return 'UND_ERR_SOCKET';
  return undefined;
}

/** Origin and path only: signed CDN query strings are credentials too and never reach a message. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '<invalid url>';
  }
}
