import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderFindingsDoc } from '../../scripts/findings-doc.js';
import { allCodes, CODE_TABLES } from '../../src/codes.js';
import { POLICY_SCHEMA, type Spec } from '../../src/policy/schema.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

function policyKeys(spec: Spec, prefix = ''): string[] {
  if (spec.kind !== 'object') return [prefix];
  return Object.entries(spec.fields).flatMap(([key, child]) => policyKeys(child, prefix ? `${prefix}.${key}` : key));
}

describe('documentation', () => {
  it('docs/findings.md is generated from the code tables', () => {
    expect(read('docs/findings.md')).toBe(renderFindingsDoc());
  });

  it('every code is unique across tables and UPPER_SNAKE', () => {
    const seen = new Map<string, string>();
    for (const [group, table] of Object.entries(CODE_TABLES)) {
      for (const code of Object.keys(table)) {
        expect(code).toMatch(/^[A-Z][A-Z0-9_]+$/);
        expect(seen.get(code), `${code} in ${group} and ${seen.get(code)}`).toBeUndefined();
        seen.set(code, group);
      }
    }
    expect(allCodes().length).toBe(seen.size);
  });

  it('every policy key is documented in the README and docs/policy.md', () => {
    const readme = read('README.md');
    const policyDoc = read('docs/policy.md');
    for (const key of policyKeys(POLICY_SCHEMA)) {
      expect(readme, key).toContain(`\`${key}\``);
      expect(policyDoc, key).toContain(`\`${key}\``);
    }
  });

  it('every CLI flag is documented in the README', () => {
    const readme = read('README.md');
    const main = read('src/cli/main.ts');
    const flags = [...main.matchAll(/'(?:-\w, )?(--[a-z-]+)/g)].map((m) => m[1]!);
    expect(flags.length).toBeGreaterThan(5);
    for (const flag of new Set(flags)) expect(readme, flag).toContain(flag);
  });

  it('the README opens with the two fresh-machine commands', () => {
    const lines = read('README.md').split('\n').slice(0, 6);
    expect(lines).toContain('npm ci && node dist/src/cli/main.js check fixtures/models/example');
    expect(lines).toContain('npm test');
  });
});

describe('code registry', () => {
  it('registers every code table exported by any codes.ts under src/', async () => {
    const { readdirSync, statSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { fileURLToPath, pathToFileURL } = await import('node:url');
    const src = fileURLToPath(new URL('../../src/', import.meta.url));
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const abs = join(dir, name);
        if (statSync(abs).isDirectory()) walk(abs);
        else if (name === 'codes.ts') files.push(abs);
      }
    };
    walk(src);
    expect(files.length).toBeGreaterThan(10);
    const registered = new Set(Object.values(CODE_TABLES));
    for (const file of files) {
      const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
      for (const [name, value] of Object.entries(module)) {
        if (name.endsWith('_CODES')) expect(registered.has(value as never), `${name} from ${file} is not in CODE_TABLES`).toBe(true);
      }
    }
  });
});
