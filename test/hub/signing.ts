import { createHmac, timingSafeEqual } from 'node:crypto';
import { strictEncode } from './routes.js';

/** What a signed CDN URL grants: one blob, named by its sha256, for one repo file. */
export interface CdnGrant {
  sha256: string;
  repo: string;
  /** The repo path, so path-scoped faults also apply on the CDN. */
  file: string;
  /** Unix seconds. */
  expires: number;
}

const SHA256 = /^[0-9a-f]{64}$/;

/** Path and query of a CloudFront-style signed URL: `/repos/ab/cd/<sha256>?...&Expires=..&Signature=..`. */
export function signCdnPath(secret: Buffer, grant: CdnGrant): string {
  const { sha256 } = grant;
  const basename = grant.file.split('/').at(-1) ?? grant.file;
  const params: Array<[string, string]> = [
    ['response-content-disposition', `attachment; filename="${basename}"`],
    ['repo', grant.repo],
    ['file', grant.file],
    ['Expires', String(grant.expires)],
  ];
  const pathname = `/repos/${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}`;
  const signature = sign(secret, pathname, params);
  const query = [...params, ['Signature', signature] as [string, string]].map(([k, v]) => `${k}=${strictEncode(v)}`).join('&');
  return `${pathname}?${query}`;
}

/** The grant of a URL this server signed, or undefined when it was forged, altered or has expired. */
export function verifyCdnUrl(secret: Buffer, url: URL, nowSeconds: number): CdnGrant | undefined {
  const match = /^\/repos\/([0-9a-f]{2})\/([0-9a-f]{2})\/([0-9a-f]{64})$/.exec(url.pathname);
  if (!match || !match[3]?.startsWith(`${match[1]}${match[2]}`)) return undefined;
  const params = [...url.searchParams.entries()];
  const signature = url.searchParams.get('Signature');
  const signed = params.filter(([k]) => k !== 'Signature');
  if (!signature || params.length !== signed.length + 1) return undefined;
  const expected = Buffer.from(sign(secret, url.pathname, signed), 'hex');
  const given = Buffer.from(signature, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  const get = (key: string) => signed.find(([k]) => k === key)?.[1];
  const [repo, file, expires] = [get('repo'), get('file'), Number(get('Expires'))];
  const sha256 = match[3];
  if (repo === undefined || file === undefined || !SHA256.test(sha256) || !Number.isSafeInteger(expires)) return undefined;
  if (expires < nowSeconds) return undefined;
  return { sha256, repo, file, expires };
}

function sign(secret: Buffer, pathname: string, params: Array<[string, string]>): string {
  // Signs the decoded values, so a client that re-encodes the query (the same bytes) still matches.
  return createHmac('sha256', secret).update(JSON.stringify([pathname, params])).digest('hex');
}
