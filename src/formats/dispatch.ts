import { describeError } from '../core/errors.js';
import { makeFinding } from '../core/finding.js';
import type { ByteSource } from '../core/source.js';
import { detectFormat } from './detect.js';
import { checkExtension } from './extensions.js';
import { MISC_CODES } from './misc/codes.js';
import { scanPickles, type PickleFacts } from './pickle/index.js';
import { OPCODE_NAMES } from './pickle/opcodes.js';
import { scannerFor } from './registry.js';
import { DEFAULT_LIMITS, type FormatReport, type ScanContext, type ScanLimits } from './types.js';

export interface RootContextOptions {
  limits?: Partial<ScanLimits>;
  disk?: { absPath: string; root: string; allowedRoots?: readonly string[] };
}

function childContext(parent: ScanContext, label: string): ScanContext {
  const ctx: ScanContext = {
    file: parent.file,
    location: [...parent.location, label],
    depth: parent.depth + 1,
    limits: parent.limits,
    scanNested: (source, childLabel, nameHint) => scanNestedFrom(ctx, source, childLabel, nameHint),
  };
  return ctx;
}

async function scanNestedFrom(parent: ScanContext, source: ByteSource, label: string, nameHint?: string): Promise<FormatReport> {
  const ctx = childContext(parent, label);
  if (ctx.depth > ctx.limits.maxDepth) {
    return {
      format: 'unknown',
      facts: { bytes: source.size },
      findings: [
        makeFinding(MISC_CODES, 'NESTING_TOO_DEEP', ctx, `${ctx.file} > ${ctx.location.join(' > ')}: nested deeper than ${ctx.limits.maxDepth} levels; not analysed`, {
          depth: ctx.depth,
        }),
      ],
      children: [],
    };
  }
  return scanSource(source, ctx, nameHint);
}

/** Formats whose scanner already analyses the stream as a pickle from byte 0, or that deny anyway. */
const PICKLE_PARSED = new Set<string>(['pickle', 'pytorch-legacy', 'empty', 'unknown']);
/** How much of a large file the polyglot check reads; a pickle still running at the end of it is flagged. */
const POLYGLOT_WINDOW = 64 * 1024 * 1024;
const IDENTIFIER_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/** True when the analysis saw a call on an import that a real unpickler could resolve. */
function runsAsPickle(facts: PickleFacts): boolean {
  if (facts.calls.length === 0) return false;
  return facts.imports.some((i) => IDENTIFIER_PATH.test(i.module) && IDENTIFIER_PATH.test(i.name));
}

/**
 * torch.load (and pickle.load) unpickle any file that is not a zip, so bytes that are valid text,
 * safetensors, TFLite, ... and at the same time a pickle from byte 0 would run code. Every such file
 * whose first byte is a pickle opcode is analysed as a pickle too; calls on importable names are flagged.
 */
async function checkPicklePolyglot(source: ByteSource, ctx: ScanContext, report: FormatReport): Promise<void> {
  const first = (await source.read(0, 1))[0];
  if (first === undefined || OPCODE_NAMES[first] === undefined) return;
  const window = Math.min(source.size, POLYGLOT_WINDOW, ctx.limits.maxPickleBytes);
  const bytes = await source.read(0, window);
  const scan = await scanPickles(bytes, ctx, { allowTrailing: true });
  const runs = runsAsPickle(scan.facts);
  const cutOff = window < source.size && !scan.complete && scan.facts.end >= window - 1024;
  if (!runs && !cutOff) return;
  const imports = scan.facts.imports.map((i) => `${i.module}.${i.name}`);
  const message = runs
    ? `${source.label}: valid ${report.format} that is also a pickle calling ${imports.slice(0, 5).join(', ')}; torch.load or pickle.load would run it`
    : `${source.label}: valid ${report.format} that still parses as a pickle after the first ${window} bytes; not analysed further`;
  report.findings.push(
    makeFinding(MISC_CODES, runs ? 'POLYGLOT_PICKLE' : 'POLYGLOT_PICKLE_UNVERIFIED', ctx, message, {
      format: report.format,
      imports: scan.facts.imports.slice(0, 20),
      calls: scan.facts.calls.length,
    }),
  );
  report.children.push({ label: 'as-pickle', report: { format: 'pickle', facts: scan.facts as unknown as Record<string, unknown>, findings: scan.findings, children: scan.children } });
}

/** A context for one top-level file of the target. */
export function createRootContext(file: string, options: RootContextOptions = {}): ScanContext {
  const ctx: ScanContext = {
    file,
    location: [],
    depth: 0,
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    ...(options.disk ? { disk: options.disk } : {}),
    scanNested: (source, label, nameHint) => scanNestedFrom(ctx, source, label, nameHint),
  };
  return ctx;
}

/**
 * Detects the format of `source` by content, runs its parser, and adds the extension check.
 * Never throws: a parser crash becomes a SCANNER_CRASHED finding (so the verdict cannot be APPROVE).
 */
export async function scanSource(source: ByteSource, ctx: ScanContext, nameHint?: string): Promise<FormatReport> {
  let report: FormatReport;
  try {
    const format = await detectFormat(source, nameHint);
    report = (await scannerFor(format).scan(source, ctx)) as FormatReport;
    if (!PICKLE_PARSED.has(report.format)) await checkPicklePolyglot(source, ctx, report);
  } catch (error) {
    return {
      format: 'unknown',
      facts: { bytes: source.size },
      findings: [
        makeFinding(MISC_CODES, 'SCANNER_CRASHED', ctx, `${source.label}: parser failed: ${describeError(error)}`, {
          error: describeError(error),
        }),
      ],
      children: [],
    };
  }
  if (nameHint) {
    const check = checkExtension(nameHint, report.format);
    if (!check.ok) {
      const code = check.disguisedCode ? 'FORMAT_DISGUISED_CODE' : 'FORMAT_EXTENSION_MISMATCH';
      report.findings.push(
        makeFinding(MISC_CODES, code, ctx, `${source.label}: named .${check.extension} but the content is ${report.format}`, {
          extension: check.extension,
          detected: report.format,
          expected: check.expected,
        }),
      );
    }
  }
  return report;
}
