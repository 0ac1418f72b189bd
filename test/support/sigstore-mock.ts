/**
 * A private Sigstore for tests: @sigstore/mock's Fulcio CA (with CT log), Rekor log and TSA building blocks,
 * served over real HTTP on 127.0.0.1 (no interception of other traffic), plus the TrustedRoot JSON that
 * matches their keys, so keyless bundles signed against it verify offline with @sigstore/verify.
 */
import { createHash, generateKeyPairSync, type KeyPairKeyObjectResult } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fulcioHandler, initializeCA, initializeCTLog, initializeTLog, initializeTSA, tsaHandler, type HandlerFn } from '@sigstore/mock';
import { HashAlgorithm, PublicKeyDetails, TrustedRoot } from '@sigstore/protobuf-specs';

export interface MockSigstore {
  fulcioURL: string;
  rekorURL: string;
  tsaURL: string;
  /** TrustedRoot JSON (protobuf JSON form) trusting exactly this Fulcio, Rekor, CT log and TSA. */
  trustedRoot: Record<string, unknown>;
  /** Writes `trustedRoot` to `<dir>/trusted_root.json` and returns the path. */
  writeTrustedRoot(dir: string): Promise<string>;
  /** Requests served, by path (to assert which services were used). */
  requests: string[];
  close(): Promise<void>;
}

export const MOCK_ISSUER = 'https://oidc.mock.modelscan.test';

/** An unsigned JWT with the claims FulcioSigner and the mock Fulcio read (sub, iss; email when given). */
export function fakeIdentityToken(claims: { sub?: string; email?: string; iss?: string } = {}): string {
  const enc = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const body: Record<string, unknown> = { iss: claims.iss ?? MOCK_ISSUER, sub: claims.sub ?? claims.email ?? 'ci@modelscan.test', aud: 'sigstore' };
  if (claims.email) Object.assign(body, { email: claims.email, email_verified: true });
  const now = Math.floor(Date.now() / 1000);
  Object.assign(body, { iat: now, exp: now + 600 });
  return `${enc({ alg: 'none', typ: 'JWT' })}.${enc(body)}.`;
}

function p256(): KeyPairKeyObjectResult {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' });
}

const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');

/**
 * Rekor stores a `dsse` 0.0.1 entry not as proposed but as hashes plus signatures; the mock logs the proposal
 * verbatim (which verifiers reject), so turn it into the body real Rekor returns before logging.
 */
function canonicalDsseBody(proposed: Record<string, any>): Record<string, unknown> {
  if (proposed.kind !== 'dsse') return proposed;
  const content = proposed.spec?.proposedContent;
  const envelopeText: string = content.envelope;
  const envelope = JSON.parse(envelopeText);
  return {
    apiVersion: proposed.apiVersion,
    kind: 'dsse',
    spec: {
      envelopeHash: { algorithm: 'sha256', value: sha256(envelopeText) },
      payloadHash: { algorithm: 'sha256', value: sha256(Buffer.from(envelope.payload, 'base64')) },
      signatures: envelope.signatures.map((s: { sig: string }, i: number) => ({ signature: s.sig, verifier: content.verifiers[i] ?? content.verifiers[0] })),
    },
  };
}

function listen(routes: Map<string, HandlerFn>, requests: string[]): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      requests.push(path);
      const handler = req.method === 'POST' ? routes.get(path) : undefined;
      if (!handler) {
        res.writeHead(404).end('not found');
        return;
      }
      handler(Buffer.concat(chunks).toString('utf8')).then(
        ({ statusCode, response, contentType }) => {
          res.writeHead(statusCode, { 'content-type': contentType ?? 'text/plain' });
          res.end(typeof response === 'string' ? response : Buffer.from(response.buffer, response.byteOffset, response.byteLength));
        },
        (error: unknown) => res.writeHead(500).end(String(error)),
      );
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

export async function startMockSigstore(): Promise<MockSigstore> {
  const notBefore = new Date(Date.now() - 60_000);
  const [caKeys, ctKeys, rekorKeys, tsaKeys] = [p256(), p256(), p256(), p256()];
  const requests: string[] = [];
  const routes = new Map<string, HandlerFn>();
  const server = await listen(routes, requests);
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const ctlog = await initializeCTLog(ctKeys);
  // Leaf certificates start a few seconds back: Rekor times are whole seconds, a notBefore with milliseconds could follow them.
  const ca = await initializeCA(caKeys, ctlog, new Date(Date.now() - 5_000));
  const tlog = await initializeTLog(base, rekorKeys);
  // A whole-second TSA clock: DER GeneralizedTime drops trailing zeros of the fraction (".45Z"), which
  // @sigstore/core's time parser rejects ("invalid time") — one run in ten would fail on it. The next
  // whole second plus one: never before the TSA certificates created now, inside the leaf's validity.
  const tsa = await initializeTSA(tsaKeys, new Date((Math.ceil(Date.now() / 1000) + 1) * 1000));
  const fulcio = fulcioHandler(ca);
  const stamp = tsaHandler(tsa);
  routes.set(fulcio.path, fulcio.fn);
  routes.set(stamp.path, stamp.fn);
  routes.set('/api/v1/log/entries', async (body) => {
    try {
      const entry = await tlog.log(canonicalDsseBody(JSON.parse(body)));
      return { statusCode: 201, response: JSON.stringify(entry), contentType: 'application/json' };
    } catch (error) {
      return { statusCode: 400, response: String(error) };
    }
  });

  const der = (view: ArrayBufferView) => Buffer.from(view.buffer, view.byteOffset, view.byteLength);
  const logKey = (publicKey: Buffer) => ({
    rawBytes: publicKey,
    keyDetails: PublicKeyDetails.PKIX_ECDSA_P256_SHA_256,
    validFor: { start: notBefore },
  });
  const root: TrustedRoot = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [
      {
        baseUrl: base,
        hashAlgorithm: HashAlgorithm.SHA2_256,
        publicKey: logKey(tlog.publicKey),
        logId: { keyId: createHash('sha256').update(tlog.publicKey).digest() },
      } as TrustedRoot['tlogs'][number],
    ],
    ctlogs: [
      {
        baseUrl: base,
        hashAlgorithm: HashAlgorithm.SHA2_256,
        publicKey: logKey(ctlog.publicKey),
        logId: { keyId: der(ctlog.logID) },
      } as TrustedRoot['ctlogs'][number],
    ],
    certificateAuthorities: [
      {
        subject: { organization: 'sigstore.mock', commonName: 'sigstore' },
        uri: base,
        certChain: { certificates: [{ rawBytes: der(ca.rootCertificate) }] },
        validFor: { start: notBefore },
      } as TrustedRoot['certificateAuthorities'][number],
    ],
    timestampAuthorities: [
      {
        subject: { organization: 'sigstore.mock', commonName: 'tsa' },
        uri: base,
        certChain: { certificates: [{ rawBytes: der(tsa.intCertificate) }, { rawBytes: der(tsa.rootCertificate) }] },
        validFor: { start: notBefore },
      } as TrustedRoot['timestampAuthorities'][number],
    ],
  };
  const trustedRoot = TrustedRoot.toJSON(root) as Record<string, unknown>;
  return {
    fulcioURL: base,
    rekorURL: base,
    tsaURL: base,
    trustedRoot,
    requests,
    async writeTrustedRoot(dir) {
      const path = join(dir, 'trusted_root.json');
      await writeFile(path, JSON.stringify(trustedRoot, null, 2));
      return path;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
