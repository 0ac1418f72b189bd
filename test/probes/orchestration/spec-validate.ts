import type { SectionSpec } from '../../../src/probes/policy.js';

/**
 * Validates a plain value (from yaml.parse) against a spec fragment with the rules of
 * src/policy/load.ts, plus the two kinds this section adds (number, oneOf). Throws with the key path.
 */
export function validateSpec(value: unknown, spec: SectionSpec, path: string): unknown {
  const fail = (message: string): never => {
    throw new Error(`${path}: ${message}`);
  };
  switch (spec.kind) {
    case 'string':
      return typeof value === 'string' ? value : fail('expected a string');
    case 'boolean':
      return typeof value === 'boolean' ? value : fail('expected true or false');
    case 'integer':
      return Number.isSafeInteger(value) && (spec.min === undefined || (value as number) >= spec.min) ? value : fail('expected an integer');
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) && (spec.min === undefined || value >= spec.min) && (spec.max === undefined || value <= spec.max)
        ? value
        : fail('expected a number in range');
    case 'size':
      return fail('size not used here');
    case 'enum':
      return typeof value === 'string' && spec.values.includes(value) ? value : fail(`expected one of ${spec.values.join(', ')}`);
    case 'oneOf': {
      for (const option of spec.of) {
        try {
          return validateSpec(value, option, path);
        } catch {
          /* next */
        }
      }
      return fail('matches none of the allowed forms');
    }
    case 'list': {
      if (!Array.isArray(value)) return fail('expected a list');
      if (spec.minItems !== undefined && value.length < spec.minItems) fail(`expected at least ${spec.minItems} items`);
      if (spec.maxItems !== undefined && value.length > spec.maxItems) fail(`expected at most ${spec.maxItems} items`);
      return value.map((item, i) => validateSpec(item, spec.of, `${path}[${i}]`));
    }
    case 'map':
    case 'object': {
      if (!value || typeof value !== 'object' || Array.isArray(value)) return fail('expected a mapping');
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
        const childSpec = spec.kind === 'object' ? spec.fields[key] : spec.of;
        if (!childSpec) fail(`${key}: unknown key`);
        out[key] = validateSpec(child, childSpec!, `${path}.${key}`);
      }
      if (spec.kind === 'object') for (const r of spec.required ?? []) if (!(r in out)) fail(`missing required key "${r}"`);
      return out;
    }
  }
}
