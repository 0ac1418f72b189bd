import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ModelscanError } from '../../src/core/errors.js';
import { parsePolicy } from '../../src/policy/load.js';
import { parseLockfile } from '../../src/verify/lockfile.js';

function outcome(fn: () => unknown): 'ok' | 'typed-error' {
  try {
    fn();
    return 'ok';
  } catch (error) {
    if (error instanceof ModelscanError) return 'typed-error';
    throw error;
  }
}

const policyLike = fc.record(
  {
    name: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
    deny: fc.record({ severity: fc.oneof(fc.constantFrom('critical', 'high', 'medium', 'low', 'info'), fc.string()) }, { requiredKeys: [] }),
    pickle: fc.record({ mode: fc.constantFrom('allowlisted', 'never', 'sometimes'), allow_globals: fc.array(fc.oneof(fc.string(), fc.integer())) }, { requiredKeys: [] }),
    limits: fc.record({ max_file_size: fc.oneof(fc.string(), fc.nat(), fc.double()) }, { requiredKeys: [] }),
    extra: fc.anything(),
  },
  { requiredKeys: [] },
);

describe('property: policy and lockfile parsers', () => {
  it('policy parsing of arbitrary text yields a policy or a typed error, never a crash', () => {
    fc.assert(fc.property(fc.string({ maxLength: 400 }), (text) => {
        expect(['ok', 'typed-error']).toContain(outcome(() => parsePolicy(text, 'p.yaml')));
      }), { numRuns: 400 });
  });

  it('policy-shaped YAML with wrong types yields a policy or a typed error naming a position', () => {
    fc.assert(
      fc.property(policyLike, (doc) => {
        try {
          parsePolicy(stringify(doc), 'p.yaml');
        } catch (error) {
          expect(error).toBeInstanceOf(ModelscanError);
          expect((error as Error).message).toMatch(/^p\.yaml(:\d+:\d+)?: /);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('lockfile parsing of arbitrary JSON yields a lockfile or a typed error', () => {
    fc.assert(fc.property(fc.json({ maxDepth: 4 }), (text) => {
        expect(['ok', 'typed-error']).toContain(outcome(() => parseLockfile(text, 'l')));
      }), { numRuns: 400 });
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (text) => {
        expect(['ok', 'typed-error']).toContain(outcome(() => parseLockfile(text, 'l')));
      }), { numRuns: 200 });
  });
});
