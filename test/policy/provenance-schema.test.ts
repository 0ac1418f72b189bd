import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelscanError } from '../../src/core/errors.js';
import { loadPolicy, parsePolicy } from '../../src/policy/load.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'modelscan-policy-prov-'));
  await mkdir(join(dir, 'keys'));
  await mkdir(join(dir, 'ca'));
  await writeFile(join(dir, 'keys', 'release.pub'), '-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n');
  await writeFile(join(dir, 'ca', 'root.pem'), 'pem');
  await writeFile(join(dir, 'trusted_root.json'), '{}');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function problem(text: string, baseDir = dir): string {
  try {
    parsePolicy(text, 'p.yaml', baseDir);
  } catch (error) {
    expect(error).toBeInstanceOf(ModelscanError);
    expect((error as ModelscanError).code).toBe('POLICY_INVALID');
    return (error as Error).message;
  }
  throw new Error('expected the policy to be rejected');
}

const COMMIT = '0123456789abcdef0123456789abcdef01234567';

describe('provenance policy keys: defaults', () => {
  it('has safe defaults: nothing required, no trust, no source rule', () => {
    const p = parsePolicy('name: x\n', 'p.yaml', dir);
    expect(p.signature).toEqual({ required: false, path: 'model.sig', signers: [], publicKeys: [], certificateChains: [], certificateIdentities: [], trustedRoot: null, ignorePaths: [] });
    expect(p.sources).toEqual({ allow: [], endpoints: [], revision: { pinned: 'none' }, commits: {} });
  });
});

describe('provenance policy keys: valid values', () => {
  it('reads every signature key, resolving files against the policy folder', () => {
    const p = parsePolicy(
      [
        'name: x',
        'signature:',
        '  required: true',
        '  path: sigs/model.sig',
        '  signers:',
        '    - { identity: release@org.example, issuer: https://accounts.google.com }',
        '    - identity: https://github.com/org/repo/.github/workflows/release.yml@refs/heads/main',
        '      issuer: https://token.actions.githubusercontent.com',
        '  public_keys: [keys/release.pub]',
        '  certificate_chains: [ca/root.pem]',
        '  certificate_identities: [signer@org.example]',
        '  trusted_root: trusted_root.json',
        '  ignore_paths: [README.md, docs]',
        '',
      ].join('\n'),
      'p.yaml',
      dir,
    );
    expect(p.signature).toEqual({
      required: true,
      path: 'sigs/model.sig',
      signers: [
        { identity: 'release@org.example', issuer: 'https://accounts.google.com' },
        { identity: 'https://github.com/org/repo/.github/workflows/release.yml@refs/heads/main', issuer: 'https://token.actions.githubusercontent.com' },
      ],
      publicKeys: [join(dir, 'keys', 'release.pub')],
      certificateChains: [join(dir, 'ca', 'root.pem')],
      certificateIdentities: ['signer@org.example'],
      trustedRoot: join(dir, 'trusted_root.json'),
      ignorePaths: ['README.md', 'docs'],
    });
  });

  it('reads every sources key, normalising endpoints', () => {
    const p = parsePolicy(
      `name: x\nsources:\n  allow: ['org/*']\n  endpoints: ['https://huggingface.co/', 'http://127.0.0.1:8080/mirror/']\n  revision:\n    pinned: commit\n  commits:\n    org/name: ${COMMIT}\n    gpt2: ${'f'.repeat(40)}\n`,
      'p.yaml',
      dir,
    );
    expect(p.sources).toEqual({
      allow: ['org/*'],
      endpoints: ['https://huggingface.co', 'http://127.0.0.1:8080/mirror'],
      revision: { pinned: 'commit' },
      commits: { 'org/name': COMMIT, gpt2: 'f'.repeat(40) },
    });
    for (const pinned of ['none', 'commit', 'lockfile']) expect(parsePolicy(`name: x\nsources:\n  revision:\n    pinned: ${pinned}\n`, 'p.yaml').sources.revision.pinned).toBe(pinned);
  });

  it('resolves a loaded policy file against its own folder', async () => {
    const file = join(dir, 'org.yaml');
    await writeFile(file, 'name: org\nsignature:\n  public_keys: [keys/release.pub]\n');
    const { policy } = await loadPolicy(file);
    expect(policy.signature.publicKeys).toEqual([join(dir, 'keys', 'release.pub')]);
  });

  it('accepts an absolute key path', () => {
    const abs = join(dir, 'keys', 'release.pub');
    expect(parsePolicy(`name: x\nsignature:\n  public_keys: ['${abs}']\n`, 'p.yaml', '/').signature.publicKeys).toEqual([abs]);
  });
});

describe('provenance policy keys: invalid values name file, line and column', () => {
  it('rejects an unknown signature key', () => {
    expect(problem('name: x\nsignature:\n  requird: true\n')).toBe(
      'p.yaml:3:3: signature.requird: unknown key (expected one of required, path, signers, public_keys, certificate_chains, certificate_identities, trusted_root, ignore_paths)',
    );
  });

  it('rejects a signer without an issuer, or with an unknown key, or empty', () => {
    expect(problem('name: x\nsignature:\n  signers:\n    - identity: a@b.c\n')).toBe('p.yaml:4:7: signature.signers[0]: missing required key "issuer"');
    expect(problem('name: x\nsignature:\n  signers:\n    - { identity: a@b.c, issuer: https://i, subject: x }\n')).toMatch(/^p\.yaml:4:45: signature\.signers\[0\]\.subject: unknown key/);
    expect(problem('name: x\nsignature:\n  signers:\n    - { identity: "", issuer: https://i }\n')).toBe('p.yaml:4:19: signature.signers[0].identity: expected a non-empty string, found ""');
    expect(problem('name: x\nsignature:\n  signers: release@org.example\n')).toMatch(/^p\.yaml:3:12: signature\.signers: expected a list of a mapping/);
  });

  it('rejects a key file that does not exist, naming the resolved path', () => {
    expect(problem('name: x\nsignature:\n  public_keys: [keys/missing.pub]\n')).toBe(`p.yaml:3:17: signature.public_keys[0]: ${join(dir, 'keys', 'missing.pub')}: no such file`);
    expect(problem('name: x\nsignature:\n  certificate_chains: [ca]\n')).toBe(`p.yaml:3:24: signature.certificate_chains[0]: ${join(dir, 'ca')}: no such file`);
    expect(problem('name: x\nsignature:\n  trusted_root: nope.json\n')).toMatch(/^p\.yaml:3:17: signature\.trusted_root: .*nope\.json: no such file$/);
    expect(problem('name: x\nsignature:\n  trusted_root: 42\n')).toBe('p.yaml:3:17: signature.trusted_root: expected a file path (relative to the policy file)');
  });

  it('rejects a wrong type for required and path', () => {
    expect(problem('name: x\nsignature:\n  required: yes please\n')).toBe('p.yaml:3:13: signature.required: expected true or false');
    expect(problem('name: x\nsignature:\n  path: ""\n')).toBe('p.yaml:3:9: signature.path: expected a non-empty string, found ""');
  });

  it('rejects an endpoint that is not a plain http(s) URL', () => {
    for (const bad of ['ftp://hub.example', 'not a url', 'https://user:pw@hub.example', 'https://hub.example/?x=1', 'https://hub.example/#f']) {
      expect(problem(`name: x\nsources:\n  endpoints: ['${bad}']\n`)).toBe('p.yaml:3:15: sources.endpoints[0]: expected an http(s) URL without credentials, query or fragment');
    }
  });

  it('never echoes credentials of a rejected endpoint', () => {
    expect(problem("name: x\nsources:\n  endpoints: ['https://user:s3cret@hub.example']\n")).not.toContain('s3cret');
  });

  it('rejects a bad revision.pinned value and unknown revision keys', () => {
    expect(problem('name: x\nsources:\n  revision:\n    pinned: branch\n')).toBe('p.yaml:4:13: sources.revision.pinned: expected one of none, commit, lockfile, found "branch"');
    expect(problem('name: x\nsources:\n  revision:\n    pin: commit\n')).toBe('p.yaml:4:5: sources.revision.pin: unknown key (expected one of pinned)');
    expect(problem('name: x\nsources:\n  revision: commit\n')).toBe('p.yaml:3:13: sources.revision: expected a mapping');
  });

  it('rejects a commit that is not 40 lower-case hex, and a key that is not a repository id', () => {
    expect(problem('name: x\nsources:\n  commits:\n    org/name: main\n')).toBe('p.yaml:4:15: sources.commits.org/name: expected a full 40-hex lower-case commit, found "main"');
    expect(problem(`name: x\nsources:\n  commits:\n    org/name: ${COMMIT.toUpperCase()}\n`)).toMatch(/^p\.yaml:4:15: sources\.commits\.org\/name: expected a full 40-hex/);
    expect(problem(`name: x\nsources:\n  commits:\n    org/name: ${COMMIT.slice(1)}\n`)).toMatch(/^p\.yaml:4:15: /);
    expect(problem(`name: x\nsources:\n  commits:\n    "../x/y": ${COMMIT}\n`)).toBe('p.yaml:4:5: sources.commits.../x/y: not a repository id org/name');
    expect(problem(`name: x\nsources:\n  commits:\n    a/b/c: ${COMMIT}\n`)).toBe('p.yaml:4:5: sources.commits.a/b/c: not a repository id org/name');
  });

  it('rejects keys inherited from Object.prototype instead of accepting them silently', () => {
    expect(problem('name: x\nconstructor: 1\n')).toMatch(/^p\.yaml:2:1: constructor: unknown key/);
    expect(problem('name: x\nsignature:\n  __proto__: {}\n')).toMatch(/^p\.yaml:3:3: signature\.__proto__: unknown key/);
  });
});

describe('provenance policy keys: YAML pitfalls', () => {
  it('says to quote an all-digit commit that YAML reads as a number', () => {
    expect(problem(`name: x\nsources:\n  commits:\n    org/name: ${'1'.repeat(40)}\n`)).toBe('p.yaml:4:15: sources.commits.org/name: expected a full 40-hex lower-case commit (quote it: YAML reads it as a number)');
    expect(parsePolicy(`name: x\nsources:\n  commits:\n    org/name: '${'1'.repeat(40)}'\n`, 'p.yaml').sources.commits['org/name']).toBe('1'.repeat(40));
  });
});

describe('property: provenance-shaped YAML never crashes the loader', () => {
  it('yields a policy or a POLICY_INVALID error naming a position', async () => {
    const fc = (await import('fast-check')).default;
    const { stringify } = await import('yaml');
    const anyValue = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }));
    const doc = fc.record(
      {
        name: fc.oneof(fc.string(), fc.constant('x')),
        signature: fc.record(
          {
            required: anyValue,
            path: anyValue,
            signers: fc.oneof(anyValue, fc.array(fc.record({ identity: anyValue, issuer: anyValue }, { requiredKeys: [] }), { maxLength: 3 })),
            public_keys: fc.oneof(anyValue, fc.constant(['keys/release.pub'])),
            trusted_root: anyValue,
            ignore_paths: anyValue,
          },
          { requiredKeys: [] },
        ),
        sources: fc.record(
          {
            endpoints: fc.oneof(anyValue, fc.array(fc.oneof(fc.webUrl(), fc.string()), { maxLength: 3 })),
            revision: fc.oneof(anyValue, fc.record({ pinned: fc.oneof(fc.constantFrom('none', 'commit', 'lockfile'), fc.string()) })),
            commits: fc.oneof(anyValue, fc.dictionary(fc.oneof(fc.constant('org/name'), fc.string()), fc.oneof(fc.stringMatching(/^[0-9a-f]{40}$/), fc.string()), { maxKeys: 3 })),
          },
          { requiredKeys: [] },
        ),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(doc, (d) => {
        try {
          parsePolicy(stringify(d), 'p.yaml', dir);
        } catch (error) {
          expect(error).toBeInstanceOf(ModelscanError);
          expect((error as Error).message).toMatch(/^p\.yaml(:\d+:\d+)?: /);
        }
      }),
      { numRuns: 300 },
    );
  });
});
