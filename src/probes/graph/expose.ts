import { decodeModel } from './decode.js';
import { GraphError } from './errors.js';
import { displayName } from './flatten.js';
import { DT, type FunctionIR, type GraphIR, type ModelIR, type NodeIR } from './model-ir.js';
import { COMPARISON, LOGIC } from './ops.js';

function varint(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

function lenField(field: number, payload: Uint8Array): Uint8Array {
  const head = [...varint((field << 3) | 2), ...varint(payload.length)];
  const out = new Uint8Array(head.length + payload.length);
  out.set(head, 0);
  out.set(payload, head.length);
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** ValueInfoProto { name=1, type=2 { tensor_type=1 { elem_type=1 } } } (shape left for the runtime to infer). */
function valueInfoBytes(name: string, elemType: number): Uint8Array {
  const tensorType = new Uint8Array([...varint((1 << 3) | 0), ...varint(elemType)]);
  return concat([lenField(1, new TextEncoder().encode(name)), lenField(2, lenField(1, tensorType))]);
}

const INT64_OPS = new Set(['Shape', 'Size', 'ArgMax', 'ArgMin', 'NonZero', 'NonMaxSuppression', 'TopK.indices']);

/** Element type of a main-graph tensor: declared value_info first, then ONNX's type rules for the producing op. */
export function inferElemType(graph: GraphIR, name: string, functions: readonly FunctionIR[] = [], depth = 0): number | null {
  const declared = new Map<string, number>();
  for (const vi of [...graph.inputs, ...graph.outputs, ...graph.valueInfo]) if (vi.elemType) declared.set(vi.name, vi.elemType);
  for (const t of graph.initializers) if (t.dataType) declared.set(t.name, t.dataType);
  const producer = new Map<string, { node: NodeIR; index: number }>();
  for (const node of graph.nodes) node.outputs.forEach((o, index) => producer.set(o, { node, index }));
  const memo = new Map<string, number | null>();
  const fn = (node: NodeIR): FunctionIR | undefined => functions.find((f) => f.domain === node.domain && f.name === node.opType);
  const visit = (tensor: string, depth: number): number | null => {
    const known = declared.get(tensor);
    if (known) return known;
    if (memo.has(tensor)) return memo.get(tensor)!;
    if (depth > 256) return null;
    memo.set(tensor, null);
    const p = producer.get(tensor);
    let type: number | null = null;
    if (p) {
      const { node, index } = p;
      const op = node.opType;
      const attr = (n: string) => node.attributes.find((a) => a.name === n);
      if (COMPARISON.has(op) || LOGIC.has(op) || op === 'IsNaN' || op === 'IsInf') type = DT.BOOL;
      else if (op === 'Cast') type = attr('to')?.i ?? null;
      else if (op === 'CastLike') type = visit(node.inputs[1] ?? '', depth + 1);
      else if (INT64_OPS.has(op) || (op === 'TopK' && index === 1) || (op === 'Unique' && index > 0)) type = DT.INT64;
      else if (op === 'Constant') type = attr('value')?.t?.dataType ?? (attr('value_float') || attr('value_floats') ? DT.FLOAT : DT.INT64);
      else if (op === 'ConstantOfShape') type = attr('value')?.t?.dataType ?? DT.FLOAT;
      else if (op === 'Where') type = visit(node.inputs[1] ?? '', depth + 1);
      else if (op === 'QuantizeLinear' || op === 'DynamicQuantizeLinear') type = index === 0 ? visit(node.inputs[2] ?? '', depth + 1) ?? DT.UINT8 : DT.FLOAT;
      else if (op === 'DequantizeLinear') type = DT.FLOAT;
      else if (fn(node)) {
        // A call to a model-local function: infer inside its body, formal inputs typed by the actual ones.
        const body = fn(node)!;
        const inputs = body.inputs.map((formal, i) => ({ name: formal, elemType: visit(node.inputs[i] ?? '', depth + 1), dims: null }));
        const inner: GraphIR = { name: body.name, nodes: body.nodes, initializers: [], sparseInitializers: [], inputs, outputs: [], valueInfo: body.valueInfo };
        const out = body.outputs[index];
        type = out !== undefined && depth < 8 ? inferElemType(inner, out, functions, depth + 1) : null;
      } else if (op === 'If') {
        const branch = attr('then_branch')?.g ?? attr('else_branch')?.g;
        type = branch?.outputs[index]?.elemType ?? null;
      } else if (op === 'Loop' || op === 'Scan') {
        // Outputs follow the body's outputs (Loop: after its condition); carried ones the initial values.
        const body = attr('body')?.g;
        const scanInputs = Number(attr('num_scan_inputs')?.i ?? 0);
        const carried = op === 'Loop' ? node.inputs.slice(2) : node.inputs.slice(0, Math.max(0, node.inputs.length - scanInputs));
        type = body?.outputs[op === 'Loop' ? index + 1 : index]?.elemType ?? null;
        if (!type && index < carried.length) type = visit(carried[index] ?? '', depth + 1);
      } else {
        for (const i of node.inputs) {
          if (i === '') continue;
          type = visit(i, depth + 1);
          if (type) break;
        }
      }
    }
    memo.set(tensor, type);
    return type;
  };
  return visit(name, 0);
}

/**
 * Returns new model bytes with `names` (main-graph node outputs) added as graph outputs, typed so
 * onnxruntime accepts them. The rest of the model is copied byte for byte.
 */
export function exposeTensors(bytes: Uint8Array, names: readonly string[]): Uint8Array {
  const model: ModelIR = decodeModel(bytes);
  const g = model.graph;
  const produced = new Set(g.nodes.flatMap((n) => n.outputs));
  const already = new Set(g.outputs.map((o) => o.name));
  const added: Uint8Array[] = [];
  for (const name of new Set(names)) {
    if (already.has(name)) continue;
    if (!produced.has(name)) throw new GraphError('GRAPH_UNKNOWN_TENSOR', `cannot expose ${displayName(name)}: no main-graph node produces it`);
    const type = inferElemType(g, name, model.functions);
    if (!type) throw new GraphError('GRAPH_UNKNOWN_TENSOR', `cannot expose ${displayName(name)}: its element type cannot be inferred`);
    added.push(lenField(12, valueInfoBytes(name, type)));
  }
  if (added.length === 0) return bytes.slice();
  const { start, payloadStart, end } = model.graphField;
  const payload = concat([bytes.subarray(payloadStart, end), ...added]);
  return concat([bytes.subarray(0, start), lenField(7, payload), bytes.subarray(end)]);
}
