/**
 * The decoded ONNX model as the graph analysis sees it: structure and tensor metadata only.
 * Tensor payloads stay views into the model bytes and are read on demand (see constants.ts).
 */

export interface TensorIR {
  name: string;
  dataType: number;
  dims: number[];
  /** raw_data view, when present. */
  raw?: Uint8Array;
  /** Typed repeated fields (float_data=4, int32_data=5, int64_data=7, double_data=10, uint64_data=11): packed chunks. */
  packed: Array<{ field: number; bytes: Uint8Array }>;
  /** Unpacked repeated values (kept up to a bound; `unpackedCount` counts all). */
  unpacked: number[];
  unpackedCount: number;
  external: boolean;
}

export interface ValueInfoIR {
  name: string;
  /** TensorProto.DataType of a tensor type, or null when the type is absent or not a tensor. */
  elemType: number | null;
  /** Dims: number = dim_value, string = dim_param, null = unknown; null overall when no shape. */
  dims: Array<number | string | null> | null;
}

export interface AttributeIR {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorIR;
  g?: GraphIR;
  floats: number[];
  ints: number[];
  tensors: TensorIR[];
  graphs: GraphIR[];
  refAttrName?: string;
}

export interface NodeIR {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: AttributeIR[];
}

export interface GraphIR {
  name: string;
  nodes: NodeIR[];
  initializers: TensorIR[];
  /** Names of sparse initializers (their values are never read). */
  sparseInitializers: string[];
  inputs: ValueInfoIR[];
  outputs: ValueInfoIR[];
  valueInfo: ValueInfoIR[];
}

export interface FunctionIR {
  name: string;
  domain: string;
  overload: string;
  inputs: string[];
  outputs: string[];
  nodes: NodeIR[];
  valueInfo: ValueInfoIR[];
}

export interface ModelIR {
  irVersion: number;
  producer: string;
  opsets: Array<{ domain: string; version: number }>;
  graph: GraphIR;
  functions: FunctionIR[];
  /** Byte range of the ModelProto.graph field (tag through payload), for rewriting. */
  graphField: { start: number; payloadStart: number; end: number };
}

export const DT = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  BFLOAT16: 16,
} as const;
