import protobuf from 'protobufjs';
import { GraphError } from './errors.js';
import type { AttributeIR, FunctionIR, GraphIR, ModelIR, NodeIR, TensorIR, ValueInfoIR } from './model-ir.js';

/** Graphs nested inside attributes deeper than this are refused (real exports nest 2–3 levels). */
const MAX_DEPTH = 32;
/** Nodes across the model, subgraphs and functions included. */
const MAX_NODES = 2_000_000;
/** Unpacked repeated tensor values kept per tensor; more are counted. */
const MAX_UNPACKED = 65_536;
const MAX_DIMS = 64;

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

const utf8 = new TextDecoder('utf-8', { fatal: false });

interface Ctx {
  bytes: Uint8Array;
  r: protobuf.Reader;
  nodes: number;
}

function malformed(ctx: Ctx, what: string): never {
  throw new GraphError('GRAPH_MALFORMED', `${what} at byte ${ctx.r.pos}`, ctx.r.pos);
}

function toNumber(v: number | { toNumber(): number }): number {
  return typeof v === 'number' ? v : v.toNumber();
}

/** Visits each field of the message ending at `end`; unhandled fields are skipped. */
function fields(ctx: Ctx, end: number, visit: (field: number, wire: number) => boolean): void {
  const r = ctx.r;
  while (r.pos < end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === 0) malformed(ctx, 'field number 0');
    if (!visit(field, wire)) skip(ctx, wire, end);
    if (r.pos > end) malformed(ctx, 'a field runs past its message');
  }
}

function skip(ctx: Ctx, wire: number, end: number): void {
  const r = ctx.r;
  switch (wire) {
    case WIRE_VARINT:
      r.skip();
      return;
    case WIRE_FIXED64:
      r.skip(8);
      return;
    case WIRE_FIXED32:
      r.skip(4);
      return;
    case WIRE_LEN: {
      const [, stop] = span(ctx, end);
      r.pos = stop;
      return;
    }
    default:
      malformed(ctx, `unsupported wire type ${wire}`);
  }
}

/** Reads a length prefix and returns the payload's [start, end). */
function span(ctx: Ctx, end: number): [number, number] {
  const len = ctx.r.uint32();
  const start = ctx.r.pos;
  if (start + len > end) malformed(ctx, 'a length-delimited field runs past its message');
  return [start, start + len];
}

function expect(ctx: Ctx, wire: number, want: number, what: string): void {
  if (wire !== want) malformed(ctx, `${what} has wire type ${wire}`);
}

function str(ctx: Ctx, wire: number, end: number, what: string): string {
  expect(ctx, wire, WIRE_LEN, what);
  const [s, e] = span(ctx, end);
  ctx.r.pos = e;
  return utf8.decode(ctx.bytes.subarray(s, e));
}

function view(ctx: Ctx, wire: number, end: number, what: string): Uint8Array {
  expect(ctx, wire, WIRE_LEN, what);
  const [s, e] = span(ctx, end);
  ctx.r.pos = e;
  return ctx.bytes.subarray(s, e);
}

function int(ctx: Ctx, wire: number, what: string): number {
  expect(ctx, wire, WIRE_VARINT, what);
  return toNumber(ctx.r.int64() as unknown as number);
}

/** A repeated int64/float field, packed or not. */
function repeated(ctx: Ctx, wire: number, end: number, kind: 'int64' | 'float', out: number[], what: string): void {
  const r = ctx.r;
  const one = (): number => (kind === 'int64' ? toNumber(r.int64() as unknown as number) : r.float());
  if (wire === WIRE_LEN) {
    const [, e] = span(ctx, end);
    while (r.pos < e) {
      const v = one();
      if (out.length < MAX_UNPACKED) out.push(v);
    }
    if (r.pos !== e) malformed(ctx, `${what}: packed values cross the field end`);
    return;
  }
  expect(ctx, wire, kind === 'int64' ? WIRE_VARINT : WIRE_FIXED32, what);
  const v = one();
  if (out.length < MAX_UNPACKED) out.push(v);
}

function tensor(ctx: Ctx, end: number): TensorIR {
  const t: TensorIR = { name: '', dataType: 0, dims: [], packed: [], unpacked: [], unpackedCount: 0, external: false };
  const r = ctx.r;
  fields(ctx, end, (field, wire) => {
    switch (field) {
      case 1: {
        const dims: number[] = [];
        repeated(ctx, wire, end, 'int64', dims, 'TensorProto.dims');
        for (const d of dims) if (t.dims.length < MAX_DIMS) t.dims.push(d);
        return true;
      }
      case 2:
        t.dataType = int(ctx, wire, 'TensorProto.data_type');
        return true;
      case 4:
      case 5:
      case 7:
      case 10:
      case 11: {
        if (wire === WIRE_LEN) {
          t.packed.push({ field, bytes: view(ctx, wire, end, 'TensorProto data') });
          return true;
        }
        t.unpackedCount++;
        let v: number;
        if (field === 4) {
          expect(ctx, wire, WIRE_FIXED32, 'TensorProto.float_data');
          v = r.float();
        } else if (field === 10) {
          expect(ctx, wire, WIRE_FIXED64, 'TensorProto.double_data');
          v = r.double();
        } else {
          v = int(ctx, wire, 'TensorProto int data');
        }
        if (t.unpacked.length < MAX_UNPACKED) t.unpacked.push(v);
        return true;
      }
      case 8:
        t.name = str(ctx, wire, end, 'TensorProto.name');
        return true;
      case 9:
        t.raw = view(ctx, wire, end, 'TensorProto.raw_data');
        return true;
      case 14:
        t.external = int(ctx, wire, 'TensorProto.data_location') === 1 || t.external;
        return true;
      case 13:
        t.external = true;
        return false;
      default:
        return false;
    }
  });
  return t;
}

function valueInfo(ctx: Ctx, end: number): ValueInfoIR {
  const vi: ValueInfoIR = { name: '', elemType: null, dims: null };
  fields(ctx, end, (field, wire) => {
    if (field === 1) {
      vi.name = str(ctx, wire, end, 'ValueInfoProto.name');
      return true;
    }
    if (field !== 2) return false;
    expect(ctx, wire, WIRE_LEN, 'ValueInfoProto.type');
    const [, typeEnd] = span(ctx, end);
    fields(ctx, typeEnd, (tf, tw) => {
      if (tf !== 1) return false; // only tensor types carry what the analysis needs
      expect(ctx, tw, WIRE_LEN, 'TypeProto.tensor_type');
      const [, ttEnd] = span(ctx, typeEnd);
      fields(ctx, ttEnd, (f2, w2) => {
        if (f2 === 1) {
          vi.elemType = int(ctx, w2, 'TypeProto.Tensor.elem_type');
          return true;
        }
        if (f2 !== 2) return false;
        expect(ctx, w2, WIRE_LEN, 'TypeProto.Tensor.shape');
        const [, shapeEnd] = span(ctx, ttEnd);
        const dims: Array<number | string | null> = [];
        fields(ctx, shapeEnd, (f3, w3) => {
          if (f3 !== 1) return false;
          expect(ctx, w3, WIRE_LEN, 'TensorShapeProto.dim');
          const [, dimEnd] = span(ctx, shapeEnd);
          let dim: number | string | null = null;
          fields(ctx, dimEnd, (f4, w4) => {
            if (f4 === 1) dim = int(ctx, w4, 'Dimension.dim_value');
            else if (f4 === 2) dim = str(ctx, w4, dimEnd, 'Dimension.dim_param');
            else return false;
            return true;
          });
          if (dims.length < MAX_DIMS) dims.push(dim);
          return true;
        });
        vi.dims = dims;
        return true;
      });
      return true;
    });
    return true;
  });
  return vi;
}

function attribute(ctx: Ctx, end: number, depth: number): AttributeIR {
  const a: AttributeIR = { name: '', type: 0, floats: [], ints: [], tensors: [], graphs: [] };
  fields(ctx, end, (field, wire) => {
    switch (field) {
      case 1:
        a.name = str(ctx, wire, end, 'AttributeProto.name');
        return true;
      case 20:
        a.type = int(ctx, wire, 'AttributeProto.type');
        return true;
      case 2:
        expect(ctx, wire, WIRE_FIXED32, 'AttributeProto.f');
        a.f = ctx.r.float();
        return true;
      case 3:
        a.i = int(ctx, wire, 'AttributeProto.i');
        return true;
      case 4:
        a.s = view(ctx, wire, end, 'AttributeProto.s');
        return true;
      case 5: {
        expect(ctx, wire, WIRE_LEN, 'AttributeProto.t');
        const [, e] = span(ctx, end);
        a.t = tensor(ctx, e);
        return true;
      }
      case 6: {
        expect(ctx, wire, WIRE_LEN, 'AttributeProto.g');
        const [, e] = span(ctx, end);
        a.g = graph(ctx, e, depth + 1);
        return true;
      }
      case 7:
        repeated(ctx, wire, end, 'float', a.floats, 'AttributeProto.floats');
        return true;
      case 8:
        repeated(ctx, wire, end, 'int64', a.ints, 'AttributeProto.ints');
        return true;
      case 10: {
        expect(ctx, wire, WIRE_LEN, 'AttributeProto.tensors');
        const [, e] = span(ctx, end);
        a.tensors.push(tensor(ctx, e));
        return true;
      }
      case 11: {
        expect(ctx, wire, WIRE_LEN, 'AttributeProto.graphs');
        const [, e] = span(ctx, end);
        a.graphs.push(graph(ctx, e, depth + 1));
        return true;
      }
      case 21:
        a.refAttrName = str(ctx, wire, end, 'AttributeProto.ref_attr_name');
        return true;
      default:
        return false;
    }
  });
  return a;
}

function node(ctx: Ctx, end: number, depth: number): NodeIR {
  if (++ctx.nodes > MAX_NODES) throw new GraphError('GRAPH_TOO_LARGE', `more than ${MAX_NODES} nodes`, ctx.r.pos);
  const n: NodeIR = { name: '', opType: '', domain: '', inputs: [], outputs: [], attributes: [] };
  fields(ctx, end, (field, wire) => {
    switch (field) {
      case 1:
        n.inputs.push(str(ctx, wire, end, 'NodeProto.input'));
        return true;
      case 2:
        n.outputs.push(str(ctx, wire, end, 'NodeProto.output'));
        return true;
      case 3:
        n.name = str(ctx, wire, end, 'NodeProto.name');
        return true;
      case 4:
        n.opType = str(ctx, wire, end, 'NodeProto.op_type');
        return true;
      case 7:
        n.domain = str(ctx, wire, end, 'NodeProto.domain');
        return true;
      case 5: {
        expect(ctx, wire, WIRE_LEN, 'NodeProto.attribute');
        const [, e] = span(ctx, end);
        n.attributes.push(attribute(ctx, e, depth));
        return true;
      }
      default:
        return false;
    }
  });
  return n;
}

function graph(ctx: Ctx, end: number, depth: number): GraphIR {
  if (depth > MAX_DEPTH) throw new GraphError('GRAPH_TOO_DEEP', `subgraphs nested deeper than ${MAX_DEPTH} levels`, ctx.r.pos);
  const g: GraphIR = { name: '', nodes: [], initializers: [], sparseInitializers: [], inputs: [], outputs: [], valueInfo: [] };
  fields(ctx, end, (field, wire) => {
    if (field === 2) {
      g.name = str(ctx, wire, end, 'GraphProto.name');
      return true;
    }
    if (![1, 5, 11, 12, 13, 15].includes(field)) return false;
    expect(ctx, wire, WIRE_LEN, `GraphProto field ${field}`);
    const [, e] = span(ctx, end);
    if (field === 1) g.nodes.push(node(ctx, e, depth));
    else if (field === 5) g.initializers.push(tensor(ctx, e));
    else if (field === 11) g.inputs.push(valueInfo(ctx, e));
    else if (field === 12) g.outputs.push(valueInfo(ctx, e));
    else if (field === 13) g.valueInfo.push(valueInfo(ctx, e));
    else {
      fields(ctx, e, (sf, sw) => {
        if (sf !== 1) return false; // the values tensor carries the name
        expect(ctx, sw, WIRE_LEN, 'SparseTensorProto.values');
        const [, ve] = span(ctx, e);
        g.sparseInitializers.push(tensor(ctx, ve).name);
        return true;
      });
    }
    return true;
  });
  return g;
}

function functionProto(ctx: Ctx, end: number): FunctionIR {
  const fn: FunctionIR = { name: '', domain: '', overload: '', inputs: [], outputs: [], nodes: [], valueInfo: [] };
  fields(ctx, end, (field, wire) => {
    switch (field) {
      case 1:
        fn.name = str(ctx, wire, end, 'FunctionProto.name');
        return true;
      case 4:
        fn.inputs.push(str(ctx, wire, end, 'FunctionProto.input'));
        return true;
      case 5:
        fn.outputs.push(str(ctx, wire, end, 'FunctionProto.output'));
        return true;
      case 10:
        fn.domain = str(ctx, wire, end, 'FunctionProto.domain');
        return true;
      case 13:
        fn.overload = str(ctx, wire, end, 'FunctionProto.overload');
        return true;
      case 7:
      case 12: {
        expect(ctx, wire, WIRE_LEN, `FunctionProto field ${field}`);
        const [, e] = span(ctx, end);
        if (field === 7) fn.nodes.push(node(ctx, e, 1));
        else fn.valueInfo.push(valueInfo(ctx, e));
        return true;
      }
      default:
        return false;
    }
  });
  return fn;
}

/** Decodes the structure of an ONNX ModelProto held in memory; throws GraphError on anything it cannot read. */
export function decodeModel(bytes: Uint8Array): ModelIR {
  const ctx: Ctx = { bytes, r: protobuf.Reader.create(bytes), nodes: 0 };
  let g: GraphIR | undefined;
  let graphField: ModelIR['graphField'] | undefined;
  const model: Omit<ModelIR, 'graph' | 'graphField'> = { irVersion: 0, producer: '', opsets: [], functions: [] };
  try {
    const end = bytes.length;
    let fieldStart = 0;
    const r = ctx.r;
    while (r.pos < end) {
      fieldStart = r.pos;
      const tag = r.uint32();
      const field = tag >>> 3;
      const wire = tag & 7;
      if (field === 0) malformed(ctx, 'field number 0');
      if (field === 1) model.irVersion = int(ctx, wire, 'ModelProto.ir_version');
      else if (field === 2) model.producer = str(ctx, wire, end, 'ModelProto.producer_name');
      else if (field === 7) {
        if (g) throw new GraphError('GRAPH_DUPLICATE_FIELD', 'ModelProto.graph appears twice', fieldStart);
        expect(ctx, wire, WIRE_LEN, 'ModelProto.graph');
        const [s, e] = span(ctx, end);
        g = graph(ctx, e, 0);
        graphField = { start: fieldStart, payloadStart: s, end: e };
      } else if (field === 8) {
        expect(ctx, wire, WIRE_LEN, 'ModelProto.opset_import');
        const [, e] = span(ctx, end);
        const opset = { domain: '', version: 0 };
        fields(ctx, e, (f, w) => {
          if (f === 1) opset.domain = str(ctx, w, e, 'OperatorSetIdProto.domain');
          else if (f === 2) opset.version = int(ctx, w, 'OperatorSetIdProto.version');
          else return false;
          return true;
        });
        model.opsets.push(opset);
      } else if (field === 25) {
        expect(ctx, wire, WIRE_LEN, 'ModelProto.functions');
        const [, e] = span(ctx, end);
        model.functions.push(functionProto(ctx, e));
      } else skip(ctx, wire, end);
    }
    if (r.pos !== end) malformed(ctx, 'the last field runs past the end of the data');
  } catch (error) {
    if (error instanceof GraphError) throw error;
    // protobufjs throws RangeError for reads past the end; anything else is a malformed encoding.
    throw new GraphError('GRAPH_MALFORMED', `cannot decode the model: ${(error as Error).message}`, ctx.r.pos);
  }
  if (!g || !graphField) throw new GraphError('GRAPH_NO_GRAPH', 'the model has no graph');
  return { ...model, graph: g, graphField };
}
