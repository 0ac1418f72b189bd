import { FormatError } from '../../core/errors.js';
import type { ScanLimits } from '../types.js';
import type { OnnxOpsetImport, OnnxValueInfo } from './facts.js';

/** Where a node or tensor sits: the main graph, a subgraph of a node, a local function, a training graph. */
export interface Scope {
  kind: 'main' | 'subgraph' | 'function' | 'training';
  /** Human path used in evidence, e.g. "graph > node[3] 'If_0' If > else_branch". */
  path: string;
  fn?: FunctionRecord;
}

export interface NodeRecord {
  name: string;
  opType: string;
  domain: string;
  overload: string;
}

export interface TensorRecord {
  name: string;
  dataType: number | null;
  dims: number[];
  /** Bytes of inline data (raw_data or the typed *_data fields). */
  inlineBytes: number;
  /** TensorProto.DataLocation: 0 DEFAULT, 1 EXTERNAL. */
  dataLocation: number;
  externalData: Array<{ key: string; value: string }>;
  path: string;
}

export interface FunctionRecord {
  name: string;
  domain: string;
  overload: string;
  nodeCount: number;
  opsetImports: OnnxOpsetImport[];
  path: string;
}

export interface OpUse {
  domain: string;
  opType: string;
  overload: string;
  count: number;
  /** Whether every use sits inside a local function body. */
  onlyInFunctions: boolean;
  samples: string[];
}

const MAX_SAMPLES = 3;
/** Caps on what is kept for facts; the walk itself is bounded by limits.maxHeaderBytes. */
const MAX_VALUE_INFOS = 100_000;
const MAX_METADATA = 10_000;
const MAX_OP_KINDS = 100_000;
export const MAX_MESSAGE_DEPTH = 100;

/** Everything the wire walk learns; findings are derived from it afterwards (analyse.ts). */
export class WalkState {
  irVersion: number | null = null;
  producerName = '';
  producerVersion = '';
  modelDomain = '';
  modelVersion: number | null = null;
  graphCount = 0;
  graphName = '';
  opsetImports: OnnxOpsetImport[] = [];
  metadataProps: Array<{ key: string; value: string }> = [];

  nodeCount = 0;
  totalNodeCount = 0;
  subgraphCount = 0;
  trainingInfoCount = 0;
  inlineTensorBytes = 0;
  initializerCount = 0;
  initializerBytes = 0;
  readonly initializerNames = new Set<string>();
  readonly inputs: OnnxValueInfo[] = [];
  readonly outputs: OnnxValueInfo[] = [];

  readonly ops = new Map<string, OpUse>();
  /** Domains used by nodes outside local functions. */
  readonly graphDomains = new Map<string, number>();
  readonly functions: FunctionRecord[] = [];
  readonly externalTensors: TensorRecord[] = [];

  readonly unknownFields = new Map<string, { message: string; field: number; count: number; firstOffset: number }>();
  readonly duplicates: Array<{ message: string; field: string; offset: number }> = [];
  readonly invalidUtf8: Array<{ what: string; offset: number }> = [];
  readonly modelIssues: Array<{ issue: string; path: string }> = [];
  readonly limitHits: string[] = [];

  private heldBytes = 0;

  constructor(readonly limits: ScanLimits) {}

  /** Accounts for protobuf bytes read into memory (everything but skipped tensor payloads). */
  charge(bytes: number, offset: number): void {
    this.heldBytes += bytes;
    if (this.heldBytes > this.limits.maxHeaderBytes) {
      throw new FormatError(
        'ONNX_LIMIT_EXCEEDED',
        `protobuf structure outside tensor data exceeds the ${this.limits.maxHeaderBytes}-byte header limit`,
        offset,
      );
    }
  }

  checkDepth(depth: number, offset: number): void {
    if (depth > MAX_MESSAGE_DEPTH) {
      throw new FormatError('ONNX_LIMIT_EXCEEDED', `messages nested deeper than ${MAX_MESSAGE_DEPTH} levels`, offset);
    }
  }

  unknownField(message: string, field: number, offset: number): void {
    const key = `${message}#${field}`;
    const seen = this.unknownFields.get(key);
    if (seen) seen.count++;
    else this.unknownFields.set(key, { message, field, count: 1, firstOffset: offset });
  }

  duplicate(message: string, field: string, offset: number): void {
    if (this.duplicates.length < 100) this.duplicates.push({ message, field, offset });
  }

  badUtf8(what: string, offset: number): void {
    if (this.invalidUtf8.length < 100) this.invalidUtf8.push({ what, offset });
  }

  issue(issue: string, path: string): void {
    if (this.modelIssues.length < 100) this.modelIssues.push({ issue, path });
  }

  private limitHit(what: string): void {
    if (!this.limitHits.includes(what)) this.limitHits.push(what);
  }

  onNode(node: NodeRecord, scope: Scope, path: string): void {
    this.totalNodeCount++;
    if (scope.kind === 'main') this.nodeCount++;
    if (scope.fn) scope.fn.nodeCount++;
    else this.graphDomains.set(node.domain, (this.graphDomains.get(node.domain) ?? 0) + 1);
    const key = `${node.domain}\u0000${node.opType}\u0000${node.overload}`;
    let use = this.ops.get(key);
    if (!use) {
      if (this.ops.size >= MAX_OP_KINDS) return this.limitHit(`more than ${MAX_OP_KINDS} distinct operators`);
      use = { domain: node.domain, opType: node.opType, overload: node.overload, count: 0, onlyInFunctions: true, samples: [] };
      this.ops.set(key, use);
    }
    use.count++;
    if (!scope.fn) use.onlyInFunctions = false;
    if (use.samples.length < MAX_SAMPLES) use.samples.push(path);
  }

  onTensor(tensor: TensorRecord, mainInitializer: boolean): void {
    this.inlineTensorBytes += tensor.inlineBytes;
    const external = tensor.dataLocation === 1 || tensor.externalData.length > 0;
    if (external) this.externalTensors.push(tensor);
    if (!mainInitializer) return;
    this.initializerCount++;
    this.initializerBytes += tensor.inlineBytes + (external ? externalLength(tensor) : 0);
    this.initializerNames.add(tensor.name);
  }

  addValueInfo(list: 'inputs' | 'outputs', info: OnnxValueInfo): void {
    const target = this[list];
    if (target.length >= MAX_VALUE_INFOS) return this.limitHit(`more than ${MAX_VALUE_INFOS} graph ${list}`);
    target.push(info);
  }

  addMetadata(key: string, value: string): void {
    if (this.metadataProps.length >= MAX_METADATA) return this.limitHit(`more than ${MAX_METADATA} metadata_props`);
    this.metadataProps.push({ key, value });
  }
}

function externalLength(tensor: TensorRecord): number {
  const entry = tensor.externalData.find((e) => e.key === 'length');
  const n = entry && /^\d+$/.test(entry.value) ? Number(entry.value) : 0;
  return Number.isSafeInteger(n) ? n : 0;
}
