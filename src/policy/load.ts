import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { ModelscanError } from '../core/errors.js';
import { packageRoot } from '../core/package-root.js';
import type { Severity } from '../core/severity.js';
import type { FormatId } from '../formats/types.js';
import { parseSize, POLICY_SCHEMA, type Spec } from './schema.js';
import type { LoadedPolicy, Policy } from './types.js';

export function defaultPolicyPath(): string {
  return join(packageRoot(), 'policies', 'default.yaml');
}

class PolicyProblem extends Error {
  constructor(readonly node: Node | null, message: string) {
    super(message);
  }
}

function describeSpec(spec: Spec): string {
  switch (spec.kind) {
    case 'enum':
      return `one of ${spec.values.join(', ')}`;
    case 'list':
      return `a list of ${describeSpec(spec.of)}`;
    case 'map':
      return 'a mapping';
    case 'object':
      return 'a mapping';
    case 'size':
      return 'a size such as 500MiB or 20GB';
    case 'integer':
      return 'an integer';
    default:
      return `a ${spec.kind}`;
  }
}

function validate(node: Node | null, spec: Spec, path: string): unknown {
  const fail = (message: string): never => {
    throw new PolicyProblem(node, `${path}: ${message}`);
  };
  if (node === null) return fail(`expected ${describeSpec(spec)}, found nothing`);
  switch (spec.kind) {
    case 'string':
    case 'boolean':
    case 'integer':
    case 'enum':
    case 'size': {
      if (!isScalar(node)) return fail(`expected ${describeSpec(spec)}`);
      const value = node.value;
      if (spec.kind === 'string' && typeof value !== 'string') return fail('expected a string');
      if (spec.kind === 'boolean' && typeof value !== 'boolean') return fail('expected true or false');
      if (spec.kind === 'integer' && (!Number.isSafeInteger(value) || (spec.min !== undefined && (value as number) < spec.min)))
        return fail(`expected an integer${spec.min !== undefined ? ` >= ${spec.min}` : ''}`);
      if (spec.kind === 'enum' && !(typeof value === 'string' && spec.values.includes(value)))
        return fail(`expected ${describeSpec(spec)}, found ${JSON.stringify(value)}`);
      if (spec.kind === 'size') {
        const bytes = parseSize(value);
        if (bytes === undefined) return fail(`expected ${describeSpec(spec)}, found ${JSON.stringify(value)}`);
        return bytes;
      }
      return value;
    }
    case 'list': {
      if (!isSeq(node)) return fail(`expected ${describeSpec(spec)}`);
      return node.items.map((item, i) => validate(item as Node, spec.of, `${path}[${i}]`));
    }
    case 'map':
    case 'object': {
      if (!isMap(node)) return fail('expected a mapping');
      const out: Record<string, unknown> = {};
      for (const pair of node.items) {
        const keyNode = pair.key as Node | null;
        if (!isScalar(keyNode) || typeof keyNode.value !== 'string') throw new PolicyProblem(keyNode, `${path}: keys must be strings`);
        const key = keyNode.value;
        const at = path ? `${path}.${key}` : key;
        if (Object.prototype.hasOwnProperty.call(out, key)) throw new PolicyProblem(keyNode, `${at}: duplicate key`);
        let valueSpec: Spec | undefined;
        if (spec.kind === 'object') {
          valueSpec = spec.fields[key];
          if (!valueSpec) throw new PolicyProblem(keyNode, `${at}: unknown key (expected one of ${Object.keys(spec.fields).join(', ')})`);
        } else {
          if (spec.keyPattern && !spec.keyPattern.test(key)) throw new PolicyProblem(keyNode, `${at}: not a finding code`);
          valueSpec = spec.of;
        }
        out[key] = validate(pair.value as Node | null, valueSpec, at);
      }
      if (spec.kind === 'object') {
        for (const required of spec.required ?? []) if (!(required in out)) fail(`missing required key "${required}"`);
      }
      return out;
    }
  }
}

type Raw = Record<string, Record<string, unknown> | undefined> & { name: string; description?: string };

function toPolicy(raw: Raw): Policy {
  const section = (key: string) => (raw[key] ?? {}) as Record<string, unknown>;
  return {
    name: raw.name,
    description: raw.description ?? '',
    denySeverity: (section('deny')['severity'] as Severity | undefined) ?? 'medium',
    formats: {
      allow: (section('formats')['allow'] as FormatId[] | undefined) ?? null,
      deny: (section('formats')['deny'] as FormatId[] | undefined) ?? [],
    },
    pickle: {
      mode: (section('pickle')['mode'] as Policy['pickle']['mode'] | undefined) ?? 'allowlisted',
      allowGlobals: (section('pickle')['allow_globals'] as string[] | undefined) ?? [],
    },
    findings: {
      ignore: (section('findings')['ignore'] as string[] | undefined) ?? [],
      severity: (section('findings')['severity'] as Record<string, Severity> | undefined) ?? {},
    },
    limits: {
      maxFileSize: (section('limits')['max_file_size'] as number | undefined) ?? null,
      maxTotalSize: (section('limits')['max_total_size'] as number | undefined) ?? null,
      maxFiles: (section('limits')['max_files'] as number | undefined) ?? null,
    },
    lockfile: {
      required: (section('lockfile')['required'] as boolean | undefined) ?? false,
      path: (section('lockfile')['path'] as string | undefined) ?? 'modelscan.lock',
    },
    signature: { required: (section('signature')['required'] as boolean | undefined) ?? false },
    sources: { allow: (section('sources')['allow'] as string[] | undefined) ?? [] },
    probes: { required: (section('probes')['required'] as boolean | undefined) ?? false },
  };
}

/** Parses and validates policy YAML; errors name the file, line and column. */
export function parsePolicy(text: string, source: string): Policy {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false });
  const where = (offset: number | undefined) => {
    if (offset === undefined) return source;
    const { line, col } = lineCounter.linePos(offset);
    return `${source}:${line}:${col}`;
  };
  const yamlError = doc.errors[0];
  if (yamlError) throw new ModelscanError('POLICY_INVALID', `${where(yamlError.pos[0])}: ${yamlError.message.split('\n')[0]}`);
  try {
    return toPolicy(validate(doc.contents as Node | null, POLICY_SCHEMA, '') as Raw);
  } catch (error) {
    if (error instanceof PolicyProblem) {
      const message = error.message.replace(/^: /, '');
      throw new ModelscanError('POLICY_INVALID', `${where(error.node?.range?.[0])}: ${message}`);
    }
    throw error;
  }
}

export async function loadPolicy(path?: string): Promise<LoadedPolicy> {
  const file = path ?? defaultPolicyPath();
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new ModelscanError('POLICY_INVALID', `${file}: cannot read policy (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const policy = parsePolicy(bytes.toString('utf8'), path ?? 'policies/default.yaml');
  return { policy, source: path ?? 'builtin:default', sha256: createHash('sha256').update(bytes).digest('hex') };
}
