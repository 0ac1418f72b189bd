import { sliceSource, type ByteSource } from '../../core/source.js';
import type { FormatReport, FormatScanner, NestedReport, ScanContext } from '../types.js';
import { FindingSink } from '../zip/finding-sink.js';
import { TAR_CODES } from './codes.js';
import { readTar, type TarMember } from './reader.js';

export { TAR_CODES } from './codes.js';
export { readTar, type TarMember, type TarArchive } from './reader.js';

export interface TarFacts {
  layout: 'pytorch-tar' | 'tar';
  entries: Array<{ name: string; type: string; size: number; offset: number; kind: string }>;
}

const TORCH_MEMBERS = ['sys_info', 'pickle', 'storages', 'tensors'];

function isFile(member: TarMember): boolean {
  return member.type === '0' || member.type === '\0' || member.type === '7';
}

export async function scanTar(source: ByteSource, ctx: ScanContext): Promise<FormatReport<TarFacts>> {
  const sink = new FindingSink(ctx);
  const archive = await readTar(source, ctx.limits, (code, message, evidence) => sink.add(TAR_CODES, code, message, evidence));
  const children: NestedReport[] = [];
  const names = new Set(archive.members.map((m) => m.name));
  const torch = names.has('pickle') && TORCH_MEMBERS.filter((n) => names.has(n)).length >= 3;
  const facts: TarFacts = {
    layout: torch ? 'pytorch-tar' : 'tar',
    entries: archive.members.map((m) => ({ name: m.name, type: m.type, size: m.size, offset: m.dataOffset, kind: isFile(m) ? 'unscanned' : 'special' })),
  };
  const seen = new Map<string, number>();
  for (const m of archive.members) seen.set(m.name, (seen.get(m.name) ?? 0) + 1);
  for (const member of archive.members) {
    if (!isFile(member)) continue;
    const label = (seen.get(member.name) ?? 0) > 1 ? `${member.name}#${member.index}` : member.name;
    const content = sliceSource(source, member.dataOffset, member.size, label);
    const entry = facts.entries[member.index] as TarFacts['entries'][number];
    if (torch && (member.name === 'storages' || member.name === 'tensors')) {
      const child: ScanContext = { ...ctx, location: [...ctx.location, label] };
      // Loaded on demand: only torch tar checkpoints need the pickle analyser here.
      const { walkTarRecord } = await import('../torch/tar-records.js');
      const walked = await walkTarRecord(member.name, content, child);
      sink.push(...walked.findings);
      children.push(...walked.children);
      entry.kind = `torch-${member.name}`;
      continue;
    }
    const report = await ctx.scanNested(content, label, member.name);
    children.push({ label, report });
    entry.kind = report.format;
  }
  if (archive.trailingOffset !== undefined) {
    const trailing = sliceSource(source, archive.trailingOffset, source.size - archive.trailingOffset, '<trailing>');
    children.push({ label: '<trailing>', report: await ctx.scanNested(trailing, '<trailing>') });
  }
  return { format: facts.layout, facts, findings: sink.finish([TAR_CODES]), children };
}

/** Strict ustar / pax / gnu reader; report.format is 'pytorch-tar' for torch's legacy tar checkpoints. */
export const tarScanner: FormatScanner<TarFacts> = { format: 'tar', scan: scanTar };
