import { describeError } from '../core/errors.js';
import { makeFinding } from '../core/finding.js';
import type { ByteSource } from '../core/source.js';
import { detectFormat } from './detect.js';
import { checkExtension } from './extensions.js';
import { MISC_CODES } from './misc/codes.js';
import { scannerFor } from './registry.js';
import { DEFAULT_LIMITS, type FormatReport, type ScanContext, type ScanLimits } from './types.js';

export interface RootContextOptions {
  limits?: Partial<ScanLimits>;
  disk?: { absPath: string; root: string };
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
