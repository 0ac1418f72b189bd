import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../e2e/helpers.js';
import { KEYS, SIGSTORE_ISSUER, VECTORS } from './vectors.js';

/** The built CLI (`npm test` builds dist/ first): `verify` as registered in main.ts, exit codes end to end. */
describe('modelscan verify, built CLI', () => {
  it('exit 0 valid, 1 invalid, 2 could not complete', () => {
    const dir = join(VECTORS, 'v1.1.0-elliptic-key');
    const ok = runCli(['verify', 'key', dir, '--public-key', join(KEYS, 'signing-key-pub.pem')]);
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^verified: .* root sha256:92745110b1ab4368471cbe31664e10174e954b113a3df333db860317b2c6dec4/);

    const untrusted = runCli(['verify', 'sigstore', join(VECTORS, 'v1.1.0-sigstore'), '--identity', 'someone@example.com', '--identity-provider', SIGSTORE_ISSUER]);
    expect(untrusted.status).toBe(1);
    expect(untrusted.stderr).toMatch(/^modelscan: verification failed: SIGNATURE_UNTRUSTED: .*signed by stefanb@us\.ibm\.com.*\n$/);

    const incomplete = runCli(['verify', 'key', dir, '--public-key', join(dir, 'no-such.pem')]);
    expect(incomplete.status).toBe(2);
    expect(incomplete.stderr).toContain('SIGNATURE_UNREADABLE');
  });
});
