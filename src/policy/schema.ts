import { SEVERITIES } from '../core/severity.js';
import { PROBES_POLICY_SPEC } from '../probes/policy.js';

/** A small declarative schema for the policy YAML: every key known, every value typed. */
export type Spec =
  | { kind: 'string'; pattern?: RegExp; expected?: string }
  /** A file the policy refers to: relative to the policy file's folder; it must exist when the policy loads. */
  | { kind: 'file' }
  /** A hub base URL: http or https, no credentials, query or fragment; normalised without trailing slashes. */
  | { kind: 'endpoint' }
  | { kind: 'boolean' }
  | { kind: 'integer'; min?: number }
  | { kind: 'size' }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'number'; min?: number; max?: number }
  | { kind: 'oneOf'; of: readonly Spec[] }
  | { kind: 'list'; of: Spec; minItems?: number; maxItems?: number }
  | { kind: 'map'; of: Spec; keyPattern?: RegExp; keyExpected?: string }
  | { kind: 'object'; fields: Record<string, Spec>; required?: readonly string[] };

const FORMAT_IDS = [
  'pickle', 'pytorch-zip', 'pytorch-legacy', 'pytorch-tar', 'torchscript', 'zip', 'tar', '7z', 'gzip', 'bzip2', 'xz',
  'zlib', 'lz4', 'numpy', 'npz', 'safetensors', 'onnx', 'onnx-external-data', 'gguf', 'hdf5', 'keras', 'tflite', 'json',
  'text', 'python', 'image', 'empty', 'unknown',
] as const;

export const POLICY_FORMAT_IDS: readonly string[] = FORMAT_IDS;

const severity: Spec = { kind: 'enum', values: SEVERITIES };
const formatList: Spec = { kind: 'list', of: { kind: 'enum', values: FORMAT_IDS } };
const code: RegExp = /^[A-Z][A-Z0-9_]*$/;
/** A hub repository id: org/name, or name for namespace-less repositories (the fetch stage checks the rest). */
export const REPO_ID: RegExp = /^[A-Za-z0-9_][A-Za-z0-9_.-]*(?:\/[A-Za-z0-9_][A-Za-z0-9_.-]*)?$/;
/** A full git commit as the hub names it (lower-case hex only, like huggingface_hub). */
export const COMMIT_SHA: RegExp = /^[0-9a-f]{40}$/;
const nonEmpty: Spec = { kind: 'string', pattern: /\S/, expected: 'a non-empty string' };
const files: Spec = { kind: 'list', of: { kind: 'file' } };

export const POLICY_SCHEMA: Spec = {
  kind: 'object',
  required: ['name'],
  fields: {
    name: { kind: 'string' },
    description: { kind: 'string' },
    deny: { kind: 'object', fields: { severity } },
    formats: { kind: 'object', fields: { allow: formatList, deny: formatList } },
    pickle: {
      kind: 'object',
      fields: {
        mode: { kind: 'enum', values: ['allowlisted', 'never'] },
        allow_globals: { kind: 'list', of: { kind: 'string' } },
      },
    },
    findings: {
      kind: 'object',
      fields: {
        ignore: { kind: 'list', of: { kind: 'string' } },
        severity: { kind: 'map', of: severity, keyPattern: code },
      },
    },
    limits: {
      kind: 'object',
      fields: { max_file_size: { kind: 'size' }, max_total_size: { kind: 'size' }, max_files: { kind: 'integer', min: 1 } },
    },
    lockfile: { kind: 'object', fields: { required: { kind: 'boolean' }, path: { kind: 'string' } } },
    signature: {
      kind: 'object',
      fields: {
        required: { kind: 'boolean' },
        path: nonEmpty,
        signers: { kind: 'list', of: { kind: 'object', fields: { identity: nonEmpty, issuer: nonEmpty }, required: ['identity', 'issuer'] } },
        public_keys: files,
        certificate_chains: files,
        certificate_identities: { kind: 'list', of: nonEmpty },
        trusted_root: { kind: 'file' },
        ignore_paths: { kind: 'list', of: nonEmpty },
      },
    },
    sources: {
      kind: 'object',
      fields: {
        allow: { kind: 'list', of: { kind: 'string' } },
        endpoints: { kind: 'list', of: { kind: 'endpoint' } },
        revision: { kind: 'object', fields: { pinned: { kind: 'enum', values: ['none', 'commit', 'lockfile'] } } },
        commits: {
          kind: 'map',
          of: { kind: 'string', pattern: COMMIT_SHA, expected: 'a full 40-hex lower-case commit' },
          keyPattern: REPO_ID,
          keyExpected: 'a repository id org/name',
        },
      },
    },
    probes: PROBES_POLICY_SPEC,
  },
};

const UNITS: Record<string, number> = {
  '': 1, b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4,
};

/** Parses 123, "512MiB", "10 GB" into bytes; undefined when malformed. */
export function parseSize(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(value);
  if (!match) return undefined;
  const unit = UNITS[match[2]!.toLowerCase()];
  if (unit === undefined) return undefined;
  const bytes = Math.round(Number(match[1]) * unit);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}
