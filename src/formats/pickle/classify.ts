import { ALLOWED_GLOBALS } from './allowlist.js';
import { matchDenylist } from './denylist.js';
import { nameVariants } from './names.js';
import type { Verdict } from './values.js';

export type GlobalKind = 'allowed' | 'denied' | 'main' | 'torchscript' | 'nn-module' | 'invalid-name' | 'third-party';

export interface Classification {
  verdict: Verdict;
  kind: GlobalKind;
  /** Denylist entry or rule for denied globals. */
  rule?: string;
  /** Why, in one sentence, for the finding message. */
  reason: string;
}

const IDENTIFIER_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/** True when `text` could be a Python module path or qualified name (ASCII identifiers joined by dots). */
export function isIdentifierPath(text: string): boolean {
  return IDENTIFIER_PATH.test(text);
}

function describeUnknown(module: string, name: string): Pick<Classification, 'kind' | 'reason'> {
  const full = `${module}.${name}`;
  if (!isIdentifierPath(module) || !isIdentifierPath(name)) {
    return { kind: 'invalid-name', reason: `${JSON.stringify(full)} is not a valid Python module path and name; loaders would fail or resolve it unpredictably` };
  }
  if (module === '__main__' || module.startsWith('__main__.')) {
    return {
      kind: 'main',
      reason: `${full} is a class defined in the script that created the pickle (__main__); loading needs that script's code and runs whatever it defines`,
    };
  }
  if (module === '__torch__' || module.startsWith('__torch__.')) {
    return { kind: 'torchscript', reason: `${full} is a TorchScript class; its code ships in the archive's code/ folder` };
  }
  if (module.startsWith('torch.nn.modules.') || (module === 'torch.nn' && /^[A-Z]/.test(name))) {
    return {
      kind: 'nn-module',
      reason: `${full}: the file pickles a whole nn.Module, not a state_dict; loading imports model classes and runs their code`,
    };
  }
  const root = module.split('.')[0]!;
  return { kind: 'third-party', reason: `${full} is not on the allowlist; loading imports ${root} and runs ${full}` };
}

/** Allowlist decides; the denylist only upgrades the verdict of what is not allowed to denied. */
export function classifyGlobal(module: string, name: string): Classification {
  const variants = nameVariants(module, name);
  for (const [m, n] of variants) {
    const denied = matchDenylist(m, n);
    if (denied) {
      return { verdict: 'denied', kind: 'denied', rule: denied.rule, reason: `${m}.${n} is denied (${denied.rule})` };
    }
  }
  for (const [m, n] of variants) {
    if (ALLOWED_GLOBALS.has(`${m}.${n}`)) return { verdict: 'allowed', kind: 'allowed', reason: `${m}.${n} is allowlisted` };
  }
  return { verdict: 'unknown', ...describeUnknown(module, name) };
}

/** The canonical "module.name" a Python 3 loader resolves (Python 2 aliases rewritten). */
export function canonicalName(module: string, name: string): string {
  const variants = nameVariants(module, name);
  const [m, n] = variants[variants.length - 1]!;
  return `${m}.${n}`;
}
