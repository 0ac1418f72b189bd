import { makeFinding, type CodeTable, type Finding } from '../../core/finding.js';

const PER_CODE = 25;

/**
 * Collects findings with a per-code cap so a hostile archive with 100k bad entries yields a bounded
 * report: past the cap one summary finding of that code says how many more were dropped.
 */
export class FindingSink {
  readonly findings: Finding[] = [];
  private readonly counts = new Map<string, number>();

  constructor(private readonly at: { file: string; location: readonly string[] }) {}

  add<T extends CodeTable>(table: T, code: keyof T & string, message: string, evidence: Record<string, unknown> = {}): void {
    const count = (this.counts.get(code) ?? 0) + 1;
    this.counts.set(code, count);
    if (count <= PER_CODE) this.findings.push(makeFinding(table, code, this.at, message, evidence));
  }

  push(...findings: Finding[]): void {
    for (const finding of findings) {
      const count = (this.counts.get(finding.code) ?? 0) + 1;
      this.counts.set(finding.code, count);
      if (count <= PER_CODE) this.findings.push(finding);
    }
  }

  /** Appends one summary per capped code; call once at the end. */
  finish<T extends CodeTable>(tables: T[]): Finding[] {
    for (const [code, count] of this.counts) {
      if (count <= PER_CODE) continue;
      const table = tables.find((t) => code in t);
      if (table) {
        this.findings.push(makeFinding(table, code, this.at, `${count - PER_CODE} more ${code} findings not listed`, { suppressed: count - PER_CODE }));
      }
    }
    return this.findings;
  }
}
