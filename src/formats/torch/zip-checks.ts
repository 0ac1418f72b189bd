import { makeFinding, type Finding } from '../../core/finding.js';
import type { PickleFacts } from '../pickle/facts.js';
import type { ScanContext } from '../types.js';
import { TORCH_CODES, type TorchCode } from './codes.js';
import { summarisePersistentIds } from './persistent-ids.js';
import { storageElementSize } from './storage-types.js';
import { PICKLE_RECORDS, TENSOR_DIRS, isTensorRecord, recordName, type PickleRecord, type TorchLayout } from './zip-layout.js';

export interface TorchZipFacts {
  prefix: string;
  torchscript: boolean;
  storages: number;
  byteorder?: string;
  version?: string;
  codeFiles: number;
}

export interface TorchZipInput {
  layout: TorchLayout;
  members: ReadonlyArray<{ name: string; size: number }>;
  /** Facts of each pickle record present; undefined when present but not analysed as a pickle. */
  pickles: ReadonlyMap<PickleRecord, PickleFacts | undefined>;
  /** Reads a small text record (relative to the prefix), or undefined when absent. */
  readText(record: string): Promise<string | undefined>;
}

export interface TorchZipResult {
  facts: TorchZipFacts;
  findings: Finding[];
  /** Full entry names of tensor records that some pickle references. */
  referenced: Set<string>;
  /** Full entry names of tensor records nothing references. */
  unreferenced: string[];
}

const MAX_LISTED = 50;

/** Cross-checks a torch zip the way torch.load reads it: persistent ids against records, and the side records. */
export async function checkTorchZip(input: TorchZipInput, ctx: ScanContext): Promise<TorchZipResult> {
  const findings: Finding[] = [];
  const add = (code: TorchCode, message: string, evidence: Record<string, unknown> = {}) =>
    findings.push(makeFinding(TORCH_CODES, code, ctx, message, evidence));
  const { layout } = input;
  const prefix = layout.prefix;
  const byRecord = new Map<string, { name: string; size: number }>();
  for (const member of input.members) {
    const record = recordName(member.name, prefix);
    if (record !== undefined && !byRecord.has(record)) byRecord.set(record, member);
  }

  if (layout.prefixes.length > 1) {
    add('TORCH_MIXED_PREFIX', `records sit under ${layout.prefixes.length} top-level folders; torch reads only "${prefix}/"`, {
      prefixes: layout.prefixes.slice(0, MAX_LISTED),
    });
  }

  const referenced = new Set<string>();
  const needed = new Map<string, { bytes: number; storageType: string; pickle: PickleRecord }>();
  let storages = 0;
  for (const pickle of PICKLE_RECORDS) {
    if (!input.pickles.has(pickle)) continue;
    const facts = input.pickles.get(pickle);
    if (!facts) {
      add('TORCH_PICKLE_NOT_ANALYSED', `${prefix}/${pickle} was not analysed as a pickle; its storages cannot be cross-checked`, {
        record: pickle,
      });
      continue;
    }
    const summary = summarisePersistentIds(facts.persistentIds);
    if (summary.malformed.length > 0) {
      add('TORCH_BAD_PERSISTENT_ID', `${pickle} has ${summary.malformed.length} persistent ids that are not ('storage', type, key, location, numel)`, {
        record: pickle,
        ids: summary.malformed.slice(0, 10),
      });
    }
    storages += summary.storages.length;
    for (const ref of summary.storages) {
      const record = TENSOR_DIRS[pickle].map((dir) => `${dir}/${ref.key}`).find((r) => byRecord.has(r));
      if (record === undefined) {
        add('TORCH_MISSING_RECORD', `${pickle} references storage "${ref.key}" but there is no ${prefix}/${TENSOR_DIRS[pickle][0]}/${ref.key}`, {
          record: pickle,
          key: ref.key,
        });
        continue;
      }
      const member = byRecord.get(record) as { name: string; size: number };
      referenced.add(member.name);
      const elementSize = storageElementSize(ref.storageType);
      if (elementSize === undefined) {
        add('TORCH_UNKNOWN_STORAGE_TYPE', `storage "${ref.key}" has type ${ref.storageType}, not a torch storage class`, {
          key: ref.key,
          storageType: ref.storageType,
        });
        continue;
      }
      if (ref.numel === undefined) {
        add('TORCH_BAD_PERSISTENT_ID', `storage "${ref.key}" has no integer numel`, { record: pickle, key: ref.key });
        continue;
      }
      const bytes = ref.numel * elementSize;
      const previous = needed.get(member.name);
      if (!previous || previous.bytes < bytes) needed.set(member.name, { bytes, storageType: ref.storageType, pickle });
    }
  }

  for (const [name, need] of needed) {
    const size = (input.members.find((m) => m.name === name) as { size: number }).size;
    if (size < need.bytes) {
      add('TORCH_STORAGE_TOO_SMALL', `${name} holds ${size} bytes but ${need.pickle} declares ${need.bytes} bytes of ${need.storageType}`, {
        entry: name,
        size,
        declaredBytes: need.bytes,
      });
    } else if (size > need.bytes) {
      add('TORCH_STORAGE_OVERSIZED', `${name} holds ${size} bytes, ${size - need.bytes} more than its ${need.storageType} needs`, {
        entry: name,
        size,
        declaredBytes: need.bytes,
      });
    }
  }

  const unreferenced = [...byRecord.entries()]
    .filter(([record, member]) => isTensorRecord(record) && !referenced.has(member.name))
    .map(([, member]) => member.name);

  const facts: TorchZipFacts = { prefix, torchscript: layout.torchscript, storages, codeFiles: 0 };
  const byteorder = await input.readText('byteorder');
  if (byteorder !== undefined) {
    facts.byteorder = byteorder;
    if (byteorder !== 'little' && byteorder !== 'big') {
      add('TORCH_BAD_BYTEORDER', `byteorder record is ${JSON.stringify(byteorder.slice(0, 40))}, not "little" or "big"`, {
        byteorder: byteorder.slice(0, 40),
      });
    }
  }
  const version = (await input.readText('version')) ?? (await input.readText('.data/version'));
  if (version === undefined) add('TORCH_MISSING_VERSION', `no ${prefix}/version record`);
  else facts.version = version.trim().slice(0, 40);

  if (layout.torchscript) {
    const code = [...byRecord.keys()].filter((r) => r.startsWith('code/') && !r.endsWith('/'));
    facts.codeFiles = code.length;
    add(
      'TORCH_TORCHSCRIPT_CODE',
      code.length > 0
        ? `TorchScript archive: torch.jit.load will compile and execute the ${code.length} code files under ${prefix}/code/`
        : `TorchScript archive: torch.jit.load will execute the compiled program in ${prefix}/constants.pkl / bytecode.pkl`,
      { files: code.slice(0, MAX_LISTED).map((r) => `${prefix}/${r}`), count: code.length },
    );
  }
  return { facts, findings, referenced, unreferenced };
}
