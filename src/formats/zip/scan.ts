import { crc32 } from 'node:zlib';
import { sliceSource, type ByteSource } from '../../core/source.js';
import type { PickleFacts } from '../pickle/facts.js';
import { TORCH_CODES } from '../torch/codes.js';
import { checkTorchZip } from '../torch/zip-checks.js';
import { PICKLE_RECORDS, detectTorchLayout, isTensorRecord, recordName, type PickleRecord, type TorchLayout } from '../torch/zip-layout.js';
import type { FormatReport, NestedReport, ScanContext } from '../types.js';
import { ZIP_CODES } from './codes.js';
import type { ZipEntryFact, ZipFacts, ZipLayout } from './facts.js';
import { FindingSink } from './finding-sink.js';
import type { InflatingSource } from './inflate-source.js';
import { loadKerasAnalyser } from './keras-bridge.js';
import { openMember, readZip, type ZipArchive, type ZipMember } from './reader.js';
import { SNIFF_BYTES, sniffKind } from './sniff.js';

/** Entries up to this size get their CRC-32 verified (torch never checks it; we flag a bad one). */
const CRC_LIMIT = 64 * 1024 * 1024;
/** Raw tensor storages are only sniffed; small ones are cheap enough to verify too. */
const STORAGE_CRC_LIMIT = 1024 * 1024;
const TEXT_RECORD_LIMIT = 4096;

type Source = ByteSource | InflatingSource;

function isInflating(source: Source): source is InflatingSource {
  return 'status' in source;
}

function isDirectory(member: ZipMember): boolean {
  return member.name.endsWith('/') && member.size === 0 && member.compressedSize === 0;
}

function pickleFactsOf(report: FormatReport | undefined): PickleFacts | undefined {
  if (!report || report.format !== 'pickle') return undefined;
  const facts = report.facts as Partial<PickleFacts>;
  return Array.isArray(facts.persistentIds) ? (facts as PickleFacts) : undefined;
}

/** One zip archive scan: every entry reached by index, content decides what each one is. */
class ZipScan {
  readonly sink: FindingSink;
  readonly children: NestedReport[] = [];
  readonly entries: ZipEntryFact[];
  readonly reports = new Map<number, FormatReport>();
  private inflated = 0;
  private readonly labels: string[];

  constructor(
    readonly source: ByteSource,
    readonly ctx: ScanContext,
    readonly archive: ZipArchive,
    sink: FindingSink,
  ) {
    this.sink = sink;
    this.entries = archive.members.map((m) => ({
      name: m.name,
      method: m.method,
      compressedSize: m.compressedSize,
      size: m.size,
      offset: m.localOffset,
      kind: 'unscanned',
    }));
    const counts = new Map<string, number>();
    for (const m of archive.members) counts.set(m.key, (counts.get(m.key) ?? 0) + 1);
    this.labels = archive.members.map((m) => ((counts.get(m.key) ?? 0) > 1 ? `${m.name}#${m.index}` : m.name));
  }

  private open(member: ZipMember): Source | undefined {
    const remaining = this.ctx.limits.maxInflateBytes - this.inflated;
    if (member.method !== 0 && remaining <= 0) {
      this.sink.add(ZIP_CODES, 'ZIP_INFLATE_LIMIT', `entry ${JSON.stringify(member.name)} not inflated: the archive used up limits.maxInflateBytes`, {
        entry: member.name,
      });
      return undefined;
    }
    return openMember(this.source, member, remaining, this.labels[member.index] as string);
  }

  async scan(member: ZipMember): Promise<FormatReport | undefined> {
    const fact = this.entries[member.index] as ZipEntryFact;
    if (isDirectory(member)) {
      fact.kind = 'directory';
      return undefined;
    }
    const content = this.open(member);
    if (!content) {
      fact.kind = 'unreadable';
      return undefined;
    }
    const label = this.labels[member.index] as string;
    const report = await this.ctx.scanNested(content, label, member.name);
    this.children.push({ label, report });
    this.reports.set(member.index, report);
    fact.kind = report.format;
    await this.verify(member, content, CRC_LIMIT);
    return report;
  }

  /** Raw tensor bytes: read a few bytes, and scan only when they are plainly something else. */
  async sniff(member: ZipMember): Promise<void> {
    const fact = this.entries[member.index] as ZipEntryFact;
    const content = this.open(member);
    if (!content) {
      fact.kind = 'unreadable';
      return;
    }
    const head = await content.read(0, SNIFF_BYTES);
    let kind = sniffKind(head);
    if (kind === 'pickle' && content.size <= CRC_LIMIT) {
      // A real pickle ends in STOP; random tensor bytes starting 0x80 0x0N rarely do.
      const tail = await content.read(content.size - 1, 1);
      if (tail[0] !== 0x2e) kind = 'data';
    }
    if (kind === 'data') {
      fact.kind = 'storage';
      await this.verify(member, content, STORAGE_CRC_LIMIT);
      return;
    }
    this.sink.add(TORCH_CODES, 'TORCH_STORAGE_HIDES_CONTENT', `${member.name} is loaded as raw tensor data but its content is ${kind}`, {
      entry: member.name,
      kind,
    });
    await this.scan(member);
  }

  private async verify(member: ZipMember, content: Source, limit: number): Promise<void> {
    const fact = this.entries[member.index] as ZipEntryFact;
    const name = JSON.stringify(member.name);
    let bytes: Uint8Array | undefined;
    if (isInflating(content)) {
      if (member.size <= limit) bytes = await content.inflateTo(member.size + 1);
      const status = content.status;
      this.inflated += status.produced;
      if (status.error !== undefined) {
        this.sink.add(ZIP_CODES, 'ZIP_INFLATE_ERROR', `entry ${name}: ${status.error}`, { entry: member.name, error: status.error });
        return;
      }
      if (status.limitHit) {
        this.sink.add(ZIP_CODES, 'ZIP_INFLATE_LIMIT', `entry ${name}: inflating stopped after ${status.produced} bytes (limit)`, {
          entry: member.name,
        });
        return;
      }
      if (bytes === undefined) return;
      if (status.complete && bytes.length !== member.size) {
        this.sink.add(ZIP_CODES, 'ZIP_SIZE_MISMATCH', `entry ${name} inflates to ${bytes.length} bytes, declared ${member.size}`, {
          entry: member.name,
          inflated: bytes.length,
          declared: member.size,
        });
      }
      bytes = bytes.subarray(0, member.size);
    } else if (content.size <= limit) {
      bytes = await content.read(0, content.size);
    }
    if (bytes === undefined) return;
    const actual = crc32(bytes) >>> 0;
    fact.crcOk = actual === member.crc32;
    if (!fact.crcOk) {
      this.sink.add(ZIP_CODES, 'ZIP_CRC_MISMATCH', `entry ${name} has CRC-32 ${actual.toString(16)}, declared ${member.crc32.toString(16)} (torch does not check; scanned anyway)`, {
        entry: member.name,
        actual,
        declared: member.crc32,
      });
    }
  }

  async readText(member: ZipMember | undefined): Promise<string | undefined> {
    if (!member) return undefined;
    const content = this.open(member);
    if (!content) return undefined;
    const bytes = await content.read(0, TEXT_RECORD_LIMIT);
    return Buffer.from(bytes).toString('utf8');
  }
}

export async function scanZip(source: ByteSource, ctx: ScanContext): Promise<FormatReport<ZipFacts>> {
  const sink = new FindingSink(ctx);
  const archive = await readZip(source, ctx.limits, (code, message, evidence) => sink.add(ZIP_CODES, code, message, evidence));
  const run = new ZipScan(source, ctx, archive, sink);
  const { end, members } = archive;

  if (archive.prefixLength > 0) {
    const prefix = sliceSource(source, 0, archive.prefixLength, '<prefix>');
    run.children.push({ label: '<prefix>', report: await ctx.scanNested(prefix, '<prefix>') });
  }
  if (end && end.end < source.size) {
    const trailing = sliceSource(source, end.end, source.size - end.end, '<trailing>');
    run.children.push({ label: '<trailing>', report: await ctx.scanNested(trailing, '<trailing>') });
  }

  const files = members.filter((m) => !isDirectory(m));
  const torch = detectTorchLayout(files.map((m) => m.name));
  const isStorage = (m: ZipMember) => torch !== undefined && isTensorRecord(recordName(m.name, torch.prefix) ?? '');
  for (const member of members) if (!isStorage(member)) await run.scan(member);

  let layout: ZipLayout = 'zip';
  const facts: ZipFacts = {
    layout,
    entries: run.entries,
    zip64: end?.zip64 ?? false,
    commentBytes: end?.comment.length ?? 0,
    prefixBytes: archive.prefixLength,
  };

  if (torch) {
    layout = torch.torchscript ? 'torchscript' : 'pytorch-zip';
    await checkTorch(run, torch, files, facts);
  } else {
    for (const member of members) if (isStorage(member)) await run.scan(member);
    if (files.length > 0 && files.every((m) => run.reports.get(m.index)?.format === 'numpy')) layout = 'npz';
    else if (await checkKeras(run, files, facts)) layout = 'keras';
  }
  facts.layout = layout;
  return { format: layout, facts, findings: sink.finish([ZIP_CODES, TORCH_CODES]), children: run.children };
}

async function checkTorch(run: ZipScan, layout: TorchLayout, files: ZipMember[], facts: ZipFacts): Promise<void> {
  const byRecord = new Map<string, ZipMember>();
  for (const m of files) {
    const record = recordName(m.name, layout.prefix);
    if (record !== undefined && !byRecord.has(record)) byRecord.set(record, m);
  }
  const pickles = new Map<PickleRecord, PickleFacts | undefined>();
  for (const record of PICKLE_RECORDS) {
    const member = byRecord.get(record);
    if (member) pickles.set(record, pickleFactsOf(run.reports.get(member.index)));
  }
  const result = await checkTorchZip(
    {
      layout,
      members: files.map((m) => ({ name: m.name, size: m.size })),
      pickles,
      readText: (record) => run.readText(byRecord.get(record)),
    },
    run.ctx,
  );
  run.sink.push(...result.findings);
  facts.torch = result.facts;
  const unreferenced = new Set(result.unreferenced);
  for (const member of files) {
    if (!isTensorRecord(recordName(member.name, layout.prefix) ?? '')) continue;
    if (result.referenced.has(member.name)) {
      await run.sniff(member);
    } else {
      if (unreferenced.has(member.name)) {
        run.sink.add(TORCH_CODES, 'TORCH_UNREFERENCED_RECORD', `${member.name} is not referenced by any pickle; scanned as an opaque payload`, {
          entry: member.name,
        });
      }
      await run.scan(member);
    }
  }
}

const KERAS_CONFIG = 'config.json';

async function checkKeras(run: ZipScan, files: ZipMember[], facts: ZipFacts): Promise<boolean> {
  const names = new Set(files.map((m) => m.name));
  if (!names.has(KERAS_CONFIG) || !(names.has('model.weights.h5') || names.has('metadata.json'))) return false;
  const member = files.find((m) => m.name === KERAS_CONFIG) as ZipMember;
  const limit = run.ctx.limits.maxHeaderBytes;
  let config: unknown;
  if (member.size > limit) {
    run.sink.add(ZIP_CODES, 'ZIP_KERAS_CONFIG_UNREADABLE', `config.json declares ${member.size} bytes, over limits.maxHeaderBytes`, { size: member.size });
    return true;
  }
  const content = openMember(run.source, member, limit, KERAS_CONFIG);
  const bytes = content ? await content.read(0, member.size) : undefined;
  try {
    config = JSON.parse(Buffer.from(bytes ?? new Uint8Array(0)).toString('utf8'));
  } catch (error) {
    run.sink.add(ZIP_CODES, 'ZIP_KERAS_CONFIG_UNREADABLE', `config.json is not JSON: ${(error as Error).message}`);
    return true;
  }
  const analyse = await loadKerasAnalyser();
  if (!analyse) {
    run.sink.add(ZIP_CODES, 'ZIP_KERAS_CONFIG_UNANALYSED', 'config.json was not analysed: the Keras analyser is unavailable');
    return true;
  }
  const at = { file: run.ctx.file, location: [...run.ctx.location, KERAS_CONFIG] };
  const result = analyse(config, at);
  facts.keras = result.facts;
  run.sink.push(...result.findings);
  return true;
}
