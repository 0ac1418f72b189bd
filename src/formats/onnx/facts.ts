/** What the ONNX scanner reports about one model. Later stages (probes, policy) read these. */

export type OnnxDim = number | string | null;

export interface OnnxValueInfo {
  name: string;
  /** Which TypeProto member is set ('none' when the type is absent). */
  kind: 'tensor' | 'sparse_tensor' | 'sequence' | 'map' | 'optional' | 'opaque' | 'none';
  /** TensorProto.DataType number of the (innermost) element, or null. */
  elemType: number | null;
  /** 'float32', 'int64', ...; null when unknown. */
  elemTypeName: string | null;
  /** Dims: a number (dim_value), a string (dim_param) or null (unknown); null shape = unknown rank. */
  shape: OnnxDim[] | null;
}

export interface OnnxOpsetImport {
  domain: string;
  version: number;
}

export interface OnnxFunctionInfo {
  name: string;
  domain: string;
  overload: string;
  nodeCount: number;
}

export interface OnnxExternalDataRef {
  tensor: string;
  location: string;
  offset: number;
  /** null when the entry has no length (the data runs to the end of the file). */
  length: number | null;
  /** Path relative to the target root with '/' separators; null when it does not resolve inside it. */
  resolvedPath: string | null;
}

export interface OnnxFacts {
  irVersion: number | null;
  opsetImports: OnnxOpsetImport[];
  producerName: string;
  producerVersion: string;
  modelDomain: string;
  modelVersion: number | null;
  graphName: string;
  /** Nodes directly in the main graph. */
  nodeCount: number;
  /** Nodes everywhere: main graph, subgraphs, local functions, training graphs. */
  totalNodeCount: number;
  /** "domain::op_type" (default domain written 'ai.onnx') -> count, over every node. */
  opHistogram: Record<string, number>;
  /** Main-graph initializers (dense and sparse). */
  initializerCount: number;
  /** Bytes of main-graph initializer data, inline plus external. */
  initializerBytes: number;
  /** Inline tensor bytes everywhere (initializers, Constant attributes, subgraphs). */
  inlineTensorBytes: number;
  /** Graph inputs that are not initializers (what a runtime session exposes). */
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  functions: OnnxFunctionInfo[];
  /** Graphs held in node attributes (If/Loop/Scan bodies), counted recursively. */
  subgraphCount: number;
  trainingInfoCount: number;
  metadataProps: Array<{ key: string; value: string }>;
  externalData: OnnxExternalDataRef[];
}

export function emptyOnnxFacts(): OnnxFacts {
  return {
    irVersion: null,
    opsetImports: [],
    producerName: '',
    producerVersion: '',
    modelDomain: '',
    modelVersion: null,
    graphName: '',
    nodeCount: 0,
    totalNodeCount: 0,
    opHistogram: {},
    initializerCount: 0,
    initializerBytes: 0,
    inlineTensorBytes: 0,
    inputs: [],
    outputs: [],
    functions: [],
    subgraphCount: 0,
    trainingInfoCount: 0,
    metadataProps: [],
    externalData: [],
  };
}
