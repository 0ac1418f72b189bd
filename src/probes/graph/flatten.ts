import { EAGER_CONSTANT_ELEMENTS, constantNodeValue, tensorValues, type ConstantValue } from './constants.js';
import type { AttributeIR, FunctionIR, GraphIR, ModelIR, NodeIR, TensorIR, ValueInfoIR } from './model-ir.js';

/**
 * The model as one data-flow graph: every node of the main graph, of its If/Loop/Scan subgraphs and
 * of inlined model-local functions, with tensors resolved by scope (outer-scope names included).
 * Subgraphs join the flow through pseudo nodes: `<op>.enter` feeds a body's formal inputs from the
 * host's inputs (and its own outputs: the loop back edge); the host node reads the body's outputs.
 */

export type TensorKind = 'input' | 'initializer' | 'value' | 'formal';

export interface FlatTensor {
  id: number;
  name: string;
  /** True for tensors of the main graph (the only ones that can become graph outputs). */
  topLevel: boolean;
  kind: TensorKind;
  producer: number;
  consumers: number[];
  /** Known constant value (initializers, Constant nodes, and reshapes/casts of them). */
  constant?: ConstantValue;
  /** The initializer behind the tensor (payload read on demand only). */
  source?: TensorIR;
  info?: ValueInfoIR;
}

export type PseudoRole = 'enter' | 'function-exit';

export interface FlatNode {
  id: number;
  /** Display path: host/attribute/name for nested nodes, function call/name for inlined ones. */
  name: string;
  opType: string;
  domain: string;
  inputs: number[];
  outputs: number[];
  attributes: AttributeIR[];
  /** Index of the main-graph node this node belongs to (itself for main-graph nodes). */
  host: number;
  /** '' for the main graph; otherwise what contains it (e.g. 'If_3/then_branch', 'fn:Detect'). */
  scope: string;
  pseudo?: PseudoRole;
  /** For If/Loop/Scan hosts: how many leading inputs are the node's own (the rest are body outputs). */
  ownInputs?: number;
}

export interface FlatGraph {
  tensors: FlatTensor[];
  nodes: FlatNode[];
  /** Main-graph inputs that are not initializers, in declaration order. */
  inputs: number[];
  outputs: number[];
  /** Tensor ids of the main graph by name. */
  topLevel: Map<string, number>;
  notes: string[];
}

const MAX_FUNCTION_DEPTH = 8;
const MAX_NAME = 200;

/** Hostile names: control characters replaced, length capped. */
export function displayName(name: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = name.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '?');
  return clean.length > MAX_NAME ? `${clean.slice(0, MAX_NAME)}…` : clean;
}

class Scope {
  readonly names = new Map<string, number>();
  constructor(readonly parent: Scope | null) {}
  lookup(name: string): number {
    for (let s: Scope | null = this; s; s = s.parent) {
      const id = s.names.get(name);
      if (id !== undefined) return id;
    }
    return -1;
  }
}

const PASS_CONSTANT = new Set(['Identity', 'Cast', 'Reshape', 'Unsqueeze', 'Squeeze', 'Flatten']);

export function flatten(model: ModelIR): FlatGraph {
  const tensors: FlatTensor[] = [];
  const nodes: FlatNode[] = [];
  const notes: string[] = [];
  const functions = new Map<string, FunctionIR>();
  for (const fn of model.functions) functions.set(`${fn.domain}\u0000${fn.name}`, fn);

  const newTensor = (name: string, kind: TensorKind, topLevel: boolean, scope: Scope): number => {
    const id = tensors.length;
    tensors.push({ id, name, kind, topLevel, producer: -1, consumers: [] });
    scope.names.set(name, id);
    return id;
  };

  const resolve = (name: string, scope: Scope): number => (name === '' ? -1 : scope.lookup(name));

  const addNode = (n: Omit<FlatNode, 'id'>): FlatNode => {
    const node: FlatNode = { ...n, id: nodes.length };
    nodes.push(node);
    for (const o of node.outputs) {
      const t = tensors[o];
      if (t) t.producer = node.id;
    }
    for (const i of node.inputs) tensors[i]?.consumers.push(node.id);
    return node;
  };

  const registerInfos = (infos: readonly ValueInfoIR[], scope: Scope): void => {
    for (const vi of infos) {
      const id = scope.names.get(vi.name);
      const t = id === undefined ? undefined : tensors[id];
      if (t && !t.info) t.info = vi;
    }
  };

  /** Processes the nodes of one graph body whose inputs and initializers are already in `scope`. */
  const body = (
    graphNodes: readonly NodeIR[], scope: Scope, topLevel: boolean, prefix: string, hostOf: (i: number) => number, fnDepth: number,
  ): void => {
    const outputsOf = graphNodes.map((n) => n.outputs.map((o) => (o === '' ? -1 : newTensor(o, 'value', topLevel, scope))));
    graphNodes.forEach((n, index) => {
      const host = hostOf(index);
      const name = displayName(`${prefix}${n.name || `${n.opType}_${index}`}`);
      const inputs = n.inputs.map((i) => resolve(i, scope));
      const outputs = (outputsOf[index] ?? []).filter((o) => o >= 0);
      const fn = functions.get(`${n.domain}\u0000${n.opType}`);
      const graphs = n.attributes.flatMap((a) => [...(a.g ? [{ attr: a.name, g: a.g }] : []), ...a.graphs.map((g) => ({ attr: a.name, g }))]);
      if (fn && graphs.length === 0) {
        if (fnDepth >= MAX_FUNCTION_DEPTH) {
          notes.push(`function ${displayName(fn.name)} nests deeper than ${MAX_FUNCTION_DEPTH} calls; treated as an opaque op`);
        } else {
          inlineFunction(fn, name, inputs, outputs, host, fnDepth);
          return;
        }
      }
      if (graphs.length > 0) {
        subgraphHost(n, name, prefix, inputs, outputs, graphs, host, scope, fnDepth);
        return;
      }
      const node = addNode({ name, opType: n.opType, domain: n.domain, inputs, outputs, attributes: n.attributes, host, scope: prefix });
      if (n.opType === 'Constant' && (n.domain === '' || n.domain === 'ai.onnx')) {
        const value = constantNodeValue(n.attributes);
        const t = tensors[outputs[0] ?? -1];
        if (t && value) t.constant = value;
        const payload = n.attributes.find((a) => a.name === 'value')?.t;
        if (t && payload) t.source = payload;
      } else if (PASS_CONSTANT.has(n.opType)) {
        const src = tensors[inputs[0] ?? -1];
        const t = tensors[outputs[0] ?? -1];
        if (src?.constant && t && node.inputs.slice(1).every((i) => i < 0 || tensors[i]?.constant)) {
          t.constant = { ...src.constant, dims: src.constant.dims.slice(), dataType: n.opType === 'Cast' ? (n.attributes.find((a) => a.name === 'to')?.i ?? src.constant.dataType) : src.constant.dataType };
        }
      }
    });
  };

  const inlineFunction = (
    fn: FunctionIR, name: string, inputs: number[], outputs: number[], host: number, fnDepth: number,
  ): void => {
    // Function bodies see only their formal inputs (no outer scope).
    const scope = new Scope(null);
    fn.inputs.forEach((formal, i) => {
      const actual = inputs[i] ?? -1;
      if (formal !== '' && actual >= 0) scope.names.set(formal, actual);
    });
    body(fn.nodes, scope, false, `${name}/`, () => host, fnDepth + 1);
    registerInfos(fn.valueInfo, scope);
    const results = fn.outputs.map((o) => resolve(o, scope));
    addNode({
      name: `${name}/(return)`, opType: 'Identity', domain: '', inputs: results, outputs, attributes: [], host,
      scope: `${name}/`, pseudo: 'function-exit',
    });
  };

  const subgraphHost = (
    n: NodeIR, name: string, outerPrefix: string, inputs: number[], outputs: number[], graphs: Array<{ attr: string; g: GraphIR }>, host: number, scope: Scope, fnDepth: number,
  ): void => {
    const bodyOutputs: number[] = [];
    const enters: FlatNode[] = [];
    for (const { attr, g } of graphs) {
      const inner = new Scope(scope);
      const prefix = `${name}/${displayName(attr)}/`;
      for (const init of g.initializers) {
        const id = newTensor(init.name, 'initializer', false, inner);
        const t = tensors[id];
        if (t) Object.assign(t, { constant: { dims: init.dims, dataType: init.dataType, values: tensorValues(init, EAGER_CONSTANT_ELEMENTS) }, source: init });
      }
      for (const s of g.sparseInitializers) newTensor(s, 'initializer', false, inner);
      const formals = g.inputs.filter((vi) => !inner.names.has(vi.name)).map((vi) => newTensor(vi.name, 'formal', false, inner));
      if (formals.length > 0) {
        enters.push(addNode({
          name: `${prefix}(enter)`, opType: `${n.opType}.enter`, domain: n.domain, inputs: inputs.slice(), outputs: formals,
          attributes: [], host, scope: prefix, pseudo: 'enter',
        }));
      }
      body(g.nodes, inner, false, prefix, () => host, fnDepth);
      registerInfos([...g.inputs, ...g.valueInfo, ...g.outputs], inner);
      const outs = g.outputs.map((vi) => resolve(vi.name, inner)).filter((id) => id >= 0);
      // Loop-carried values flow back into the next iteration.
      for (const enter of enters.splice(0)) {
        for (const o of outs) {
          enter.inputs.push(o);
          tensors[o]?.consumers.push(enter.id);
        }
      }
      bodyOutputs.push(...outs);
    }
    addNode({
      name, opType: n.opType, domain: n.domain, inputs: [...inputs, ...bodyOutputs], outputs, attributes: n.attributes, host,
      scope: outerPrefix, ownInputs: inputs.length,
    });
  };

  const g = model.graph;
  const root = new Scope(null);
  for (const init of g.initializers) {
    const id = newTensor(init.name, 'initializer', true, root);
    const t = tensors[id];
    if (t) Object.assign(t, { constant: { dims: init.dims, dataType: init.dataType, values: tensorValues(init, EAGER_CONSTANT_ELEMENTS) }, source: init });
  }
  for (const s of g.sparseInitializers) newTensor(s, 'initializer', true, root);
  const inputs: number[] = [];
  for (const vi of g.inputs) {
    if (root.names.has(vi.name)) continue; // IR < 4: initializers listed as inputs keep their constant role
    inputs.push(newTensor(vi.name, 'input', true, root));
  }
  body(g.nodes, root, true, '', (i) => i, 0);
  registerInfos([...g.inputs, ...g.valueInfo, ...g.outputs], root);
  const outputs = g.outputs.map((vi) => root.lookup(vi.name)).filter((id) => id >= 0);
  return { tensors, nodes, inputs, outputs, topLevel: root.names, notes };
}
