import { SignatureRejection } from './errors.js';
import type { ManifestResource } from './manifest.js';
import { parseShardName, quoteName } from './paths.js';
import type { Serialization } from './serialization.js';

function fileOf(name: string, method: Serialization['method']): string {
  return method === 'shards' ? (parseShardName(name)?.path ?? name) : name;
}

function list(items: string[]): string {
  const shown = items.slice(0, 3).map(quoteName).join(', ');
  return items.length > 3 ? `${shown} and ${items.length - 3} more` : shown;
}

/**
 * Compares the signed manifest with the model on disk, name -> (algorithm, digest). Throws a
 * SignatureRejection naming the files: changed first, then missing, then extra (one line, every
 * kind of difference counted).
 */
export function compareManifests(signed: readonly ManifestResource[], local: readonly ManifestResource[], method: Serialization['method']): void {
  const want = new Map(signed.map((r) => [r.name, r]));
  const have = new Map(local.map((r) => [r.name, r]));
  const changed = new Set<string>();
  const missing = new Set<string>();
  const extra = new Set<string>();
  const signedFiles = new Set(signed.map((r) => fileOf(r.name, method)));
  const localFiles = new Set(local.map((r) => fileOf(r.name, method)));
  let changeDetail = '';
  for (const [name, r] of want) {
    const l = have.get(name);
    const file = fileOf(name, method);
    if (!localFiles.has(file)) missing.add(file);
    else if (!l || l.algorithm !== r.algorithm || l.digest !== r.digest) {
      if (!changed.has(file) && changed.size === 0) {
        changeDetail = !l ? 'its size differs from the signed one' : l.algorithm !== r.algorithm ? `algorithm ${l.algorithm}, signed ${r.algorithm}` : `${l.algorithm} ${l.digest.slice(0, 16)}…, signed ${r.digest.slice(0, 16)}…`;
      }
      changed.add(file);
    }
  }
  for (const [name] of have) {
    const file = fileOf(name, method);
    if (!signedFiles.has(file)) extra.add(file);
    else if (!want.has(name) && !changed.has(file)) {
      if (changed.size === 0) changeDetail = 'its size differs from the signed one';
      changed.add(file);
    }
  }
  if (changed.size + missing.size + extra.size === 0) return;
  const others = (skip: 'changed' | 'missing' | 'extra') => {
    const parts: string[] = [];
    if (skip !== 'changed' && changed.size) parts.push(`${changed.size} changed`);
    if (skip !== 'missing' && missing.size) parts.push(`${missing.size} missing`);
    if (skip !== 'extra' && extra.size) parts.push(`${extra.size} unsigned extra`);
    return parts.length ? ` (also ${parts.join(', ')})` : '';
  };
  if (changed.size) {
    const [first] = changed;
    const more = changed.size > 1 ? `; changed too: ${list([...changed].slice(1))}` : '';
    throw new SignatureRejection('SIGNATURE_FILE_CHANGED', `${quoteName(first!)}: content differs from the signature (${changeDetail})${more}${others('changed')}`);
  }
  if (missing.size) throw new SignatureRejection('SIGNATURE_FILE_MISSING', `signed file(s) missing from the model: ${list([...missing])}${others('missing')}`);
  throw new SignatureRejection('SIGNATURE_FILE_EXTRA', `file(s) not covered by the signature: ${list([...extra])}${others('extra')}`);
}
