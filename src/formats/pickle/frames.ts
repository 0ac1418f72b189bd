import type { PickleCode } from './codes.js';
import { opcodeName } from './opcodes.js';

/** Thrown inside a run to stop it with a finding. */
export class Halt {
  constructor(
    readonly code: PickleCode,
    readonly message: string,
    readonly evidence: Record<string, unknown> = {},
  ) {}
}

export function halt(code: PickleCode, message: string, opOffset: number, evidence: Record<string, unknown> = {}): never {
  throw new Halt(code, message, { offset: opOffset, ...evidence });
}

type Issue = (code: PickleCode, message: string, evidence?: Record<string, unknown>) => void;

/**
 * FRAME bookkeeping of one run and the checked (slow) path of every read. The machine reads
 * without checks while a read ends at or before `bound` (the frame end inside a frame, else the
 * end of the stream) and calls in here otherwise; the outcome is that of checking every read.
 */
export class Frames {
  frameEnd = -1;
  private frameIssue = false;
  bound: number;
  private readonly len: number;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly issue: Issue,
  ) {
    this.len = bytes.length;
    this.bound = bytes.length;
  }

  setFrameEnd(end: number): void {
    this.frameEnd = end;
    this.bound = end >= 0 ? end : this.len;
  }

  /** Reading the opcode byte at `pos`; returns the new bound. */
  opcode(pos: number, ops: number, start: number): number {
    if (this.frameEnd >= 0) this.cross(pos, 1, pos + 1, pos);
    if (pos >= this.len) {
      halt('PICKLE_TRUNCATED', ops === 0 ? `no pickle at offset ${pos}` : `pickle starting at offset ${start} ends at offset ${pos} without STOP`, pos);
    }
    return this.bound;
  }

  /** Reading `n` argument bytes at `pos`; returns the new bound. */
  take(pos: number, n: number, opOffset: number): number {
    if (this.frameEnd >= 0) this.cross(pos, n, pos + n, opOffset);
    if (n > this.len - pos) halt('PICKLE_TRUNCATED', `${opcodeName(this.bytes[opOffset]!)} at offset ${opOffset} needs ${n} bytes; the stream ends first`, opOffset);
    return this.bound;
  }

  /** A declared length (possibly a 64-bit bigint) that must fit in the rest of the stream. */
  length(pos: number, n: number | bigint, opOffset: number): number {
    if (typeof n === 'bigint' ? n > BigInt(this.len - pos) : n > this.len - pos) {
      halt('PICKLE_TRUNCATED', `${opcodeName(this.bytes[opOffset]!)} at offset ${opOffset} declares ${n} bytes; only ${this.len - pos} remain`, opOffset);
    }
    return Number(n);
  }

  /** Offset of the newline ending the line at `pos`. */
  line(pos: number, opOffset: number): number {
    const nl = newline(this.bytes, pos);
    if (nl < 0) halt('PICKLE_TRUNCATED', `${opcodeName(this.bytes[opOffset]!)} at offset ${opOffset} has no terminating newline`, opOffset);
    if (nl + 1 > this.bound && this.frameEnd >= 0) this.cross(pos, nl + 1 - pos, nl + 1, opOffset);
    return nl;
  }

  private cross(pos: number, n: number, readEnd: number, opOffset: number): void {
    const frameEnd = this.frameEnd;
    if (pos === frameEnd) {
      this.setFrameEnd(-1); // frame exhausted: the next read comes from the stream itself
    } else if (readEnd > frameEnd) {
      if (!this.frameIssue) {
        this.frameIssue = true;
        this.issue('PICKLE_FRAME_ERROR', `${opcodeName(this.bytes[opOffset]!)} at offset ${opOffset} reads past the end of its FRAME (offset ${frameEnd}); pickle.py refuses this, _pickle.c does not`, {
          offset: opOffset,
          frameEnd,
          read: n,
        });
      }
      this.setFrameEnd(-1);
    }
  }
}

/** Offset of the first newline at or after `pos`, or -1. Short lines (GLOBAL names) are scanned inline. */
function newline(bytes: Uint8Array, pos: number): number {
  const end = Math.min(bytes.length, pos + 128);
  for (let i = pos; i < end; i++) if (bytes[i] === 0x0a) return i;
  return end === bytes.length ? -1 : bytes.indexOf(0x0a, end);
}
