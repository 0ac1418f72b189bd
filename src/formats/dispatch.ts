import { describeError } from '../core/errors.js';
import { makeFinding } from '../core/finding.js';
import type { ByteSource } from '../core/source.js';
import { detectFormat } from './detect.js';
import { checkExtension } from './extensions.js';
import { MISC_CODES } from './misc/codes.js';
import { looksLikePickle, pickleScanner, type PickleFacts } from './pickle/index.js';
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

/** Formats whose scanner already analyses the stream as pickle from byte 0. */
const PICKLE_PARSED = new Set<string>(['pickle', 'pytorch-legacy', 'text', 'json', 'python', 'empty', 'unknown']);

/**
 * torch.load unpickles any file that is not a zip, so a file that is valid safetensors (or TFLite, ...)
 * and at the same time a pickle from byte 0 would run code. Analyse such heads as a pickle as well.
 */
async function checkPicklePolyglot(source: ByteSource, ctx: ScanContext, report: FormatReport): Promise<void> {
  const head = await source.read(0, Math.min(4096, source.size));
  if (!looksLikePickle(head) || source.size > ctx.limits.maxPickleBytes) return;
  const asPickle = await pickleScanner.scan(source, ctx);
  const facts = asPickle.facts as PickleFacts;
  if (facts.imports.length === 0 && facts.calls.length === 0) return;
  report.findings.push(
    makeFinding(MISC_CODES, 'POLYGLOT_PICKLE', ctx, `${source.label}: valid ${report.format} that is also a pickle importing ${facts.imports.map((i) => `${i.module}.${i.name}`).slice(0, 5).join(', ') || 'nothing'} with ${facts.calls.length} call(s)`, {
      format: report.format,
      imports: facts.imports.slice(0, 20),
    }),
  );
  report.children.push({ label: 'as-pickle', report: asPickle as unknown as FormatReport });
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
