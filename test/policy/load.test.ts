import { readdir, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ModelscanError } from '../../src/core/errors.js';
import { loadPolicy, parsePolicy } from '../../src/policy/load.js';

function problem(text: string): string {
  try {
    parsePolicy(text, 'p.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(ModelscanError);
    expect((error as ModelscanError).code).toBe('POLICY_INVALID');
    return (error as Error).message;
  }
  throw new Error('expected the policy to be rejected');
}

describe('policy loading', () => {
  it('loads the built-in default with its strict values', async () => {
    const { policy, source, sha256 } = await loadPolicy();
    expect(source).toBe('builtin:default');
    expect(sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(policy.name).toBe('default');
    expect(policy.denySeverity).toBe('medium');
    expect(policy.pickle.mode).toBe('allowlisted');
    expect(policy.lockfile.required).toBe(false);
  });

  it('loads every shipped policy', async () => {
    const dir = new URL('../../policies/', import.meta.url);
    const names = (await readdir(dir)).filter((n) => n.endsWith('.yaml'));
    expect(names.length).toBeGreaterThanOrEqual(3);
    for (const name of names) {
      const text = await readFile(new URL(name, dir), 'utf8');
      expect(() => parsePolicy(text, name)).not.toThrow();
    }
  });

  it('applies defaults for absent sections', () => {
    const policy = parsePolicy('name: tiny\n', 'p.yaml');
    expect(policy).toMatchObject({ name: 'tiny', denySeverity: 'medium', formats: { allow: null, deny: [] }, limits: { maxFileSize: null } });
  });

  it('parses sizes with units', () => {
    const policy = parsePolicy('name: x\nlimits:\n  max_file_size: 2GiB\n  max_total_size: 1500\n', 'p.yaml');
    expect(policy.limits.maxFileSize).toBe(2 * 1024 ** 3);
    expect(policy.limits.maxTotalSize).toBe(1500);
  });

  it('rejects an unknown key with line and column', () => {
    expect(problem('name: x\npickle:\n  mode: never\n  allow_global: [a.b]\n')).toBe('p.yaml:4:3: pickle.allow_global: unknown key (expected one of mode, allow_globals)');
  });

  it('rejects a wrong type with its position', () => {
    expect(problem('name: x\nlockfile:\n  required: "yes"\n')).toBe('p.yaml:3:13: lockfile.required: expected true or false');
  });

  it('rejects a bad enum value', () => {
    expect(problem('name: x\ndeny:\n  severity: severe\n')).toMatch(/^p\.yaml:3:13: deny\.severity: expected one of critical, high, medium, low, info/);
  });

  it('rejects an unknown format name', () => {
    expect(problem('name: x\nformats:\n  allow: [safetensors, pikle]\n')).toMatch(/^p\.yaml:3:24: formats\.allow\[1\]/);
  });

  it('rejects a malformed size', () => {
    expect(problem('name: x\nlimits:\n  max_file_size: lots\n')).toMatch(/^p\.yaml:3:18: limits\.max_file_size: expected a size/);
  });

  it('rejects duplicate keys', () => {
    expect(problem('name: x\nname: y\n')).toMatch(/^p\.yaml:2:1: name: duplicate key/);
  });

  it('requires a name', () => {
    expect(problem('deny:\n  severity: high\n')).toMatch(/missing required key "name"/);
  });

  it('reports YAML syntax errors with a position', () => {
    expect(problem('name: [unclosed\n')).toMatch(/^p\.yaml:\d+:\d+: /);
  });

  it('rejects a non-mapping document', () => {
    expect(problem('- a\n- b\n')).toMatch(/expected a mapping/);
  });

  it('names an unreadable policy file', async () => {
    await expect(loadPolicy('/nonexistent/policy.yaml')).rejects.toThrow(/\/nonexistent\/policy\.yaml: cannot read policy \(ENOENT\)/);
  });
});
