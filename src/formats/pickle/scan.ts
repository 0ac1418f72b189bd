import type { Finding } from '../../core/finding.js';
import { bufferSource } from '../../core/source.js';
import type { NestedReport, ScanContext } from '../types.js';
import { PickleAnalysis, candidateBytes } from './analysis.js';
import type { PickleFacts, PlainValue } from './facts.js';
import { PickleMachine } from './machine.js';
import { expandedSize, toPlain } from './plain.js';
import { isCompletePickleStream } from './probe.js';

export interface PickleScanOptions {
  /** Offset of the first pickle (default 0). */
  start?: number;
  /** Stop after this many pickles (torch legacy files hold exactly 5 before raw storage bytes). */
  maxPickles?: number;
  /** Do not report bytes left after the last analysed pickle. */
  allowTrailing?: boolean;
}

export interface PickleScan {
  facts: PickleFacts;
  findings: Finding[];
  children: NestedReport[];
  /** Offset after the last pickle analysed (or where analysis stopped on an error). */
  end: number;
  results: PlainValue[];
  /** False when analysis stopped on an error before the end of the last pickle. */
  complete: boolean;
}

const MAX_STACK = 1_000_000;
const MAX_MEMO = 20_000_000;
const MAX_INLINE_DEPTH = 4;
const MAX_PICKLES_RECORDED = 10_000;
const MAX_NESTED = 4096;
/** A result counts as an expansion bomb past this many tree nodes and this many nodes per opcode. */
const BOMB_NODES = 10_000_000;
const BOMB_RATIO = 1000;

/**
 * Analyses every pickle in `bytes` from `start` to EOF (or `maxPickles`), then scans the nested
 * payloads it found through `ctx.scanNested`. Never throws for bad input.
 */
export async function scanPickles(bytes: Uint8Array, ctx: ScanContext, options: PickleScanOptions = {}): Promise<PickleScan> {
  const analysis = new PickleAnalysis(ctx);
  const machine = new PickleMachine(bytes, analysis, machineLimits(ctx));
  const start = options.start ?? 0;
  const maxPickles = options.maxPickles ?? Infinity;
  const pickles: PickleFacts['pickles'] = [];
  const results: PlainValue[] = [];
  let pos = start;
  let count = 0;
  let complete = true;

  if (pos >= bytes.length) {
    analysis.report('PICKLE_EMPTY_STREAM', `no pickle at offset ${pos}: the stream has ${bytes.length} bytes`, { offset: pos });
    complete = false;
  }
  while (pos < bytes.length && count < maxPickles) {
    const run = machine.run(pos);
    if (!run.ok) {
      complete = false;
      if (count > 0) {
        analysis.report('PICKLE_TRAILING_DATA', `${bytes.length - run.start} bytes after the pickle ending at offset ${run.start} are not a valid pickle`, {
          offset: run.start,
          bytes: bytes.length - run.start,
        });
      }
      pos = run.end;
      break;
    }
    count++;
    analysis.checkResult(run.result);
    if (pickles.length < MAX_PICKLES_RECORDED) {
      pickles.push({ start: run.start, end: run.end, protocol: run.protocol, opcodes: run.ops });
      if (run.result !== undefined) {
        results.push(toPlain(run.result));
        const size = expandedSize(run.result, BOMB_NODES * 1000);
        if (size !== undefined && size > BOMB_NODES && size > BOMB_RATIO * run.ops) {
          analysis.report('PICKLE_EXPANSION_BOMB', `pickle at offset ${run.start} builds ${run.ops} opcodes into an object graph of ${size >= BOMB_NODES * 1000 ? 'more than ' : ''}${size} nodes through shared references`, {
            offset: run.start,
            nodes: size,
            opcodes: run.ops,
          });
        }
      }
    }
    machine.previousMemo = run.memo;
    pos = run.end;
  }
  if (complete && pos < bytes.length && !options.allowTrailing) {
    analysis.report('PICKLE_TRAILING_DATA', `${bytes.length - pos} bytes follow the last pickle (ending at offset ${pos})`, { offset: pos, bytes: bytes.length - pos });
  }

  // The joblib array skip holds for joblib.load only: pickle.load and torch.load read those bytes as opcodes.
  if (analysis.joblibActions > 0) plainPass(bytes, ctx, analysis, start, maxPickles);
  collectEmbeddedPickles(analysis);
  const children = await scanNestedPayloads(analysis, ctx);
  const facts: PickleFacts = {
    pickles,
    imports: analysis.imports,
    calls: analysis.calls,
    persistentIds: analysis.persistentIds,
    end: pos,
    results,
    callCount: analysis.callCount,
    joblibArrays: analysis.joblibArrays,
  };
  return { facts, findings: analysis.findingList(), children, end: pos, results, complete };
}

function machineLimits(ctx: ScanContext) {
  return { maxOps: ctx.limits.maxPickleOps, maxStack: MAX_STACK, maxMemo: MAX_MEMO, maxInlineDepth: MAX_INLINE_DEPTH };
}

/**
 * The same stream under plain pickle semantics (no joblib array skip), up to where CPython's
 * unpickler would fail; only what it would have run before that is kept (absorbPlainPass).
 */
function plainPass(bytes: Uint8Array, ctx: ScanContext, analysis: PickleAnalysis, start: number, maxPickles: number): void {
  const plain = new PickleAnalysis(ctx, true);
  const machine = new PickleMachine(bytes, plain, machineLimits(ctx));
  let pos = start;
  let count = 0;
  while (pos < bytes.length && count < maxPickles) {
    plain.running = true;
    const run = machine.run(pos);
    plain.running = false;
    if (!run.ok) break;
    count++;
    plain.checkResult(run.result);
    machine.previousMemo = run.memo;
    pos = run.end;
  }
  analysis.absorbPlainPass(plain);
}

/** Literal strings/bytes that decode to complete pickles become nested payloads too. */
function collectEmbeddedPickles(analysis: PickleAnalysis): void {
  for (const candidate of analysis.literalCandidates) {
    if (analysis.consumedLiterals.has(candidate.offset)) continue;
    if (typeof candidate.value === "string" && analysis.consumedStrings.has(candidate.value)) continue;
    const decoded = candidateBytes(candidate);
    if (!decoded || !isCompletePickleStream(decoded.bytes)) continue;
    const label = `embedded-${decoded.encoding}@${candidate.offset}`;
    analysis.nested.push({ bytes: decoded.bytes, label });
    analysis.report('PICKLE_EMBEDDED_PICKLE', `literal at offset ${candidate.offset} holds a ${decoded.encoding === 'raw' ? '' : `${decoded.encoding}-encoded `}pickle of ${decoded.bytes.length} bytes; scanned as ${label}`, {
      offset: candidate.offset,
      encoding: decoded.encoding,
      bytes: decoded.bytes.length,
    });
  }
}

async function scanNestedPayloads(analysis: PickleAnalysis, ctx: ScanContext): Promise<NestedReport[]> {
  const children: NestedReport[] = [];
  if (analysis.nested.length > MAX_NESTED) {
    analysis.report('PICKLE_TOO_MANY_NESTED', `${analysis.nested.length} nested payloads; only the first ${MAX_NESTED} are scanned`, { payloads: analysis.nested.length });
  }
  for (const payload of analysis.nested.slice(0, MAX_NESTED)) {
    const report = await ctx.scanNested(bufferSource(payload.bytes, payload.label), payload.label);
    children.push({ label: payload.label, report });
  }
  return children;
}
