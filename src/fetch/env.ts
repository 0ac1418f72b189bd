import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

export type Env = Record<string, string | undefined>;

/** huggingface_hub's `_is_true`: 1, ON, YES, TRUE (any case). */
export function envTruthy(value: string | undefined): boolean {
  return value !== undefined && ['1', 'ON', 'YES', 'TRUE'].includes(value.trim().toUpperCase());
}

/** A non-negative integer from the environment; undefined when unset, empty or malformed. */
export function envInt(value: string | undefined): number | undefined {
  if (value === undefined || !/^\s*\d{1,12}\s*$/.test(value)) return undefined;
  return Number(value.trim());
}

/** `os.path.expanduser(os.path.expandvars(p))` for `~`, `$VAR` and `${VAR}`; unknown variables stay as written. */
export function expandPath(path: string, env: Env, home = homedir()): string {
  const vars = path.replace(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g, (whole, braced?: string, bare?: string) => {
    const value = env[(braced ?? bare) as string];
    return value === undefined ? whole : value;
  });
  if (vars === '~') return home;
  if (vars.startsWith('~/')) return join(home, vars.slice(2));
  return vars;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** `$HF_HOME`, else `$XDG_CACHE_HOME/huggingface`, else `~/.cache/huggingface`. */
export function hfHome(env: Env, home = homedir()): string {
  const explicit = nonEmpty(env.HF_HOME);
  if (explicit) return resolve(expandPath(explicit, env, home));
  const xdg = nonEmpty(env.XDG_CACHE_HOME);
  return resolve(xdg ? join(expandPath(xdg, env, home), 'huggingface') : join(home, '.cache', 'huggingface'));
}

/** The hub cache root, in huggingface_hub's order: HF_HUB_CACHE, HUGGINGFACE_HUB_CACHE, $HF_HOME/hub. */
export function defaultCacheDir(env: Env, home = homedir()): string {
  const explicit = nonEmpty(env.HF_HUB_CACHE) ?? nonEmpty(env.HUGGINGFACE_HUB_CACHE);
  if (explicit) return resolve(expandPath(explicit, env, home));
  return join(hfHome(env, home), 'hub');
}

export function absoluteDir(path: string, env: Env, home = homedir()): string {
  const expanded = expandPath(path, env, home);
  return isAbsolute(expanded) ? resolve(expanded) : resolve(process.cwd(), expanded);
}
