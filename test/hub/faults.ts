import type { HubFault } from './types.js';

export type FaultRoute = 'api' | 'resolve' | 'cdn';
type Kind = HubFault['kind'];
type FaultOf<K extends Kind> = Extract<HubFault, { kind: K }>;

interface Armed {
  fault: HubFault;
  remaining: number;
}

/**
 * Active faults with their `times` counters. `status`, `drop-mid-body` and `stall` are used up (the last
 * two default to once); every other kind holds until `clear()`.
 */
export class FaultBook {
  private armed: Armed[] = [];

  add(fault: HubFault): void {
    validate(fault);
    const times = fault.kind === 'status' ? fault.times : fault.kind === 'drop-mid-body' || fault.kind === 'stall' ? (fault.times ?? 1) : Infinity;
    this.armed.push({ fault, remaining: times });
  }

  clear(): void {
    this.armed = [];
  }

  /**
   * The status fault this request triggers, used up by one. `path` restricts resolve and CDN requests to
   * that repo file; API requests concern no file, so `path` is ignored when `on` is 'api'.
   */
  takeStatus(route: FaultRoute, file: string | undefined): FaultOf<'status'> | undefined {
    return this.take('status', (f) => {
      if (f.on !== undefined && f.on !== route) return false;
      if (f.path === undefined) return true;
      return route === 'api' ? f.on === 'api' : f.path === file;
    });
  }

  /** A body fault for one GET of `file`, used up by one. */
  takeBody<K extends 'drop-mid-body' | 'stall'>(kind: K, file: string): FaultOf<K> | undefined {
    return this.take(kind, (f) => (f as { path: string }).path === file);
  }

  /** A standing fault; `path`-less `no-repo-commit-header` applies to every file. */
  has<K extends Exclude<Kind, 'status' | 'drop-mid-body' | 'stall'>>(kind: K, file: string): FaultOf<K> | undefined {
    return this.find(kind, (f) => (f as { path?: string }).path === undefined || (f as { path?: string }).path === file);
  }

  extraEntries(): Array<FaultOf<'extra-tree-entry'>> {
    return this.armed.map((a) => a.fault).filter((f): f is FaultOf<'extra-tree-entry'> => f.kind === 'extra-tree-entry');
  }

  private find<K extends Kind>(kind: K, matches: (f: FaultOf<K>) => boolean): FaultOf<K> | undefined {
    return this.armed.find((a) => a.fault.kind === kind && a.remaining > 0 && matches(a.fault as FaultOf<K>))?.fault as FaultOf<K> | undefined;
  }

  private take<K extends Kind>(kind: K, matches: (f: FaultOf<K>) => boolean): FaultOf<K> | undefined {
    const hit = this.armed.find((a) => a.fault.kind === kind && a.remaining > 0 && matches(a.fault as FaultOf<K>));
    if (!hit) return undefined;
    hit.remaining -= 1;
    return hit.fault as FaultOf<K>;
  }
}

function validate(fault: HubFault): void {
  const count = (n: number | undefined, what: string, min: number) => {
    if (n !== undefined && (!Number.isSafeInteger(n) || n < min)) throw new RangeError(`${fault.kind}: ${what} must be an integer >= ${min}`);
  };
  switch (fault.kind) {
    case 'status':
      count(fault.status, 'status', 100);
      if (fault.status > 599) throw new RangeError('status: status must be < 600');
      count(fault.times, 'times', 1);
      count(fault.retryAfter, 'retryAfter', 0);
      return;
    case 'drop-mid-body':
      count(fault.afterBytes, 'afterBytes', 0);
      count(fault.times, 'times', 1);
      return;
    case 'stall':
      count(fault.afterBytes, 'afterBytes', 0);
      count(fault.ms, 'ms', 0);
      count(fault.times, 'times', 1);
      return;
    case 'truncate':
      count(fault.bytes, 'bytes', 0);
      return;
    default:
      return;
  }
}
