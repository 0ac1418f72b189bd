import { SEVERITIES } from '../core/severity.js';

/** A small declarative schema for the policy YAML: every key known, every value typed. */
export type Spec =
  | { kind: 'string' }
  | { kind: 'boolean' }
  | { kind: 'integer'; min?: number }
  | { kind: 'size' }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'list'; of: Spec }
  | { kind: 'map'; of: Spec; keyPattern?: RegExp }
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
    signature: { kind: 'object', fields: { required: { kind: 'boolean' } } },
    sources: { kind: 'object', fields: { allow: { kind: 'list', of: { kind: 'string' } } } },
    probes: { kind: 'object', fields: { required: { kind: 'boolean' } } },
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
