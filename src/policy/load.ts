import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { ModelscanError } from '../core/errors.js';
import { packageRoot } from '../core/package-root.js';
import type { Severity } from '../core/severity.js';
import type { FormatId } from '../formats/types.js';
import { toProbesPolicy, type ProbesPolicy } from '../probes/policy.js';
import { parseSize, POLICY_SCHEMA, type Spec } from './schema.js';
import type { LoadedPolicy, Policy, RevisionPin, SignaturePolicy, SourcesPolicy, TrustedSigner } from './types.js';

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
    case 'number':
      return spec.min !== undefined || spec.max !== undefined ? `a number in [${spec.min ?? '-inf'}, ${spec.max ?? 'inf'}]` : 'a number';
    case 'oneOf':
      return spec.of.map(describeSpec).join(' or ');
    case 'string':
      return spec.expected ?? 'a string';
    case 'file':
      return 'a file path (relative to the policy file)';
    case 'endpoint':
      return 'an http(s) URL without credentials, query or fragment';
    default:
      return `a ${spec.kind}`;
  }
}

/** The hub endpoint rules of the fetch stage (src/fetch/urls.ts), as a validation message instead of a throw. */
function normalizeEndpoint(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.username || url.password || url.search || url.hash) return undefined;
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

const has = (object: object, key: string) => Object.prototype.hasOwnProperty.call(object, key);

function validate(node: Node | null, spec: Spec, path: string, baseDir: string): unknown {
  const fail = (message: string): never => {
    throw new PolicyProblem(node, `${path}: ${message}`);
  };
  if (node === null) return fail(`expected ${describeSpec(spec)}, found nothing`);
  switch (spec.kind) {
    case 'string':
    case 'boolean':
    case 'integer':
    case 'enum':
    case 'size':
    case 'file':
    case 'endpoint': {
      if (!isScalar(node)) return fail(`expected ${describeSpec(spec)}`);
      const value = node.value;
      if (spec.kind === 'string' && typeof value !== 'string')
        // YAML reads an all-digit commit as a number: say how to keep it a string.
        return fail(`expected ${describeSpec(spec)}${typeof value === 'number' ? ' (quote it: YAML reads it as a number)' : ''}`);
      if (spec.kind === 'string' && spec.pattern && !spec.pattern.test(value as string))
        return fail(`expected ${describeSpec(spec)}, found ${JSON.stringify((value as string).slice(0, 80))}`);
      if (spec.kind === 'file') {
        if (typeof value !== 'string' || value === '') return fail(`expected ${describeSpec(spec)}`);
        const abs = resolve(baseDir, value);
        if (!isFile(abs)) return fail(`${abs}: no such file`);
        return abs;
      }
      if (spec.kind === 'endpoint') {
        const endpoint = typeof value === 'string' ? normalizeEndpoint(value) : undefined;
        if (endpoint === undefined) return fail(`expected ${describeSpec(spec)}`);
        return endpoint;
      }
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
    case 'number': {
      const value = isScalar(node) ? node.value : undefined;
      if (typeof value !== 'number' || !Number.isFinite(value) || (spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max))
        return fail(`expected ${describeSpec(spec)}`);
      return value;
    }
    case 'oneOf': {
      for (const option of spec.of) {
        try {
          return validate(node, option, path, baseDir);
        } catch (error) {
          if (!(error instanceof PolicyProblem)) throw error;
        }
      }
      return fail(`expected ${describeSpec(spec)}`);
    }
    case 'list': {
      if (!isSeq(node)) return fail(`expected ${describeSpec(spec)}`);
      if (spec.minItems !== undefined && node.items.length < spec.minItems) return fail(`expected at least ${spec.minItems} item(s)`);
      if (spec.maxItems !== undefined && node.items.length > spec.maxItems) return fail(`expected at most ${spec.maxItems} item(s)`);
      return node.items.map((item, i) => validate(item as Node, spec.of, `${path}[${i}]`, baseDir));
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
        if (has(out, key)) throw new PolicyProblem(keyNode, `${at}: duplicate key`);
        let valueSpec: Spec | undefined;
        if (spec.kind === 'object') {
          valueSpec = has(spec.fields, key) ? spec.fields[key] : undefined;
          if (!valueSpec) throw new PolicyProblem(keyNode, `${at}: unknown key (expected one of ${Object.keys(spec.fields).join(', ')})`);
        } else {
          if (spec.keyPattern && !spec.keyPattern.test(key)) throw new PolicyProblem(keyNode, `${at}: not ${spec.keyExpected ?? 'a finding code'}`);
          valueSpec = spec.of;
        }
        Object.defineProperty(out, key, { value: validate(pair.value as Node | null, valueSpec, at, baseDir), enumerable: true, writable: true, configurable: true });
      }
      if (spec.kind === 'object') {
        for (const required of spec.required ?? []) if (!(required in out)) fail(`missing required key "${required}"`);
      }
      return out;
    }
  }
}

/** The probes section with its semantic checks (lo < hi, durations...) as policy errors. */
function toProbesPolicyChecked(section: Record<string, unknown> | undefined): ProbesPolicy {
  try {
    return toProbesPolicy(section);
  } catch (error) {
    if (error instanceof ModelscanError) throw new PolicyProblem(null, error.message);
    throw error;
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
    signature: toSignaturePolicy(section('signature')),
    sources: toSourcesPolicy(section('sources')),
    probes: toProbesPolicyChecked(raw['probes'] as Record<string, unknown> | undefined),
  };
}

function toSignaturePolicy(raw: Record<string, unknown>): SignaturePolicy {
  return {
    required: (raw['required'] as boolean | undefined) ?? false,
    path: (raw['path'] as string | undefined) ?? 'model.sig',
    signers: ((raw['signers'] as TrustedSigner[] | undefined) ?? []).map(({ identity, issuer }) => ({ identity, issuer })),
    publicKeys: (raw['public_keys'] as string[] | undefined) ?? [],
    certificateChains: (raw['certificate_chains'] as string[] | undefined) ?? [],
    certificateIdentities: (raw['certificate_identities'] as string[] | undefined) ?? [],
    trustedRoot: (raw['trusted_root'] as string | undefined) ?? null,
    ignorePaths: (raw['ignore_paths'] as string[] | undefined) ?? [],
  };
}

function toSourcesPolicy(raw: Record<string, unknown>): SourcesPolicy {
  const revision = (raw['revision'] ?? {}) as Record<string, unknown>;
  return {
    allow: (raw['allow'] as string[] | undefined) ?? [],
    endpoints: (raw['endpoints'] as string[] | undefined) ?? [],
    revision: { pinned: (revision['pinned'] as RevisionPin | undefined) ?? 'none' },
    commits: { ...((raw['commits'] as Record<string, string> | undefined) ?? {}) },
  };
}

/**
 * Parses and validates policy YAML; errors name the file, line and column. Files the policy names
 * (keys, CA chains, a trusted root) resolve against `baseDir`, the policy file's folder.
 */
export function parsePolicy(text: string, source: string, baseDir: string = process.cwd()): Policy {
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
    return toPolicy(validate(doc.contents as Node | null, POLICY_SCHEMA, '', baseDir) as Raw);
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
  // The built-in policy's paths resolve against the package root, a user policy's against its own folder.
  const policy = parsePolicy(bytes.toString('utf8'), path ?? 'policies/default.yaml', path ? dirname(resolve(path)) : packageRoot());
  return { policy, source: path ?? 'builtin:default', sha256: createHash('sha256').update(bytes).digest('hex') };
}
