import { checkLeaf, forFields, readLeaf, readString, str, type Range } from './fields.js';
import type { NodeRecord, Scope, WalkState } from './state.js';
import { walkSparseTensor, walkTensor } from './tensor.js';
import { toValueInfo } from './value-info.js';
import type { WireCursor } from './wire.js';

/** Path fragments quote at most this much of a name. */
const MAX_NAME_IN_PATH = 80;

function quote(name: string): string {
  const short = name.length > MAX_NAME_IN_PATH ? `${name.slice(0, MAX_NAME_IN_PATH)}…` : name;
  return JSON.stringify(short);
}

interface AttributeRecord {
  name: string;
  refAttrName: string;
  tensors: Range[];
  sparseTensors: Range[];
  graphs: Range[];
}

/** Walks an AttributeProto shallowly: tensors and graphs are walked later, once the node is known. */
async function walkAttribute(cur: WireCursor, end: number, state: WalkState, depth: number): Promise<AttributeRecord> {
  const attr: AttributeRecord = { name: '', refAttrName: '', tensors: [], sparseTensors: [], graphs: [] };
  await forFields(cur, end, 'AttributeProto', state, depth, async (f) => {
    switch (f.number) {
      case 1:
        attr.name = await readString(cur, f, state, 'AttributeProto.name');
        return;
      case 21:
        attr.refAttrName = await readString(cur, f, state, 'AttributeProto.ref_attr_name');
        return;
      case 5:
      case 10:
        attr.tensors.push([f.start, f.end]);
        return;
      case 22:
      case 23:
        attr.sparseTensors.push([f.start, f.end]);
        return;
      case 6:
      case 11:
        attr.graphs.push([f.start, f.end]);
        return;
      case 14:
      case 15:
        return checkLeaf(cur, f, state, depth);
      default:
        return;
    }
  });
  return attr;
}

async function walkAttributePayloads(cur: WireCursor, attr: AttributeRecord, path: string, scope: Scope, state: WalkState, depth: number): Promise<void> {
  const here = `${path} > ${attr.name || '(unnamed attribute)'}`;
  for (const [start, end] of attr.tensors) {
    cur.pos = start;
    state.onTensor(await walkTensor(cur, end, here, state, depth + 1), false);
  }
  for (const [start, end] of attr.sparseTensors) {
    cur.pos = start;
    for (const part of await walkSparseTensor(cur, end, here, state, depth + 1)) state.onTensor(part, false);
  }
  for (const [start, end] of attr.graphs) {
    state.subgraphCount++;
    cur.pos = start;
    const kind = scope.kind === 'main' ? 'subgraph' : scope.kind;
    await walkGraph(cur, end, { kind, path: here, ...(scope.fn ? { fn: scope.fn } : {}) }, state, depth + 1);
  }
}

async function walkNode(cur: WireCursor, end: number, scope: Scope, index: number, state: WalkState, depth: number): Promise<void> {
  const node: NodeRecord = { name: '', opType: '', domain: '', overload: '' };
  const attrs: AttributeRecord[] = [];
  await forFields(cur, end, 'NodeProto', state, depth, async (f) => {
    switch (f.number) {
      case 3:
        node.name = await readString(cur, f, state, 'NodeProto.name');
        return;
      case 4:
        node.opType = await readString(cur, f, state, 'NodeProto.op_type');
        return;
      case 7:
        node.domain = await readString(cur, f, state, 'NodeProto.domain');
        return;
      case 8:
        node.overload = await readString(cur, f, state, 'NodeProto.overload');
        return;
      case 5:
        cur.pos = f.start;
        attrs.push(await walkAttribute(cur, f.end, state, depth + 1));
        return;
      case 9:
      case 10:
        return checkLeaf(cur, f, state, depth);
      default:
        return;
    }
  });
  const path = `${scope.path} > node[${index}]${node.name ? ` ${quote(node.name)}` : ''} ${node.domain ? `${node.domain}::` : ''}${node.opType}`;
  state.onNode(node, scope, path);
  if (node.opType === '') state.issue('node has no op_type', path);
  for (const attr of attrs) {
    if (attr.refAttrName && !scope.fn) state.issue(`attribute ${quote(attr.name)} references a function attribute outside a function`, path);
    await walkAttributePayloads(cur, attr, path, scope, state, depth + 1);
  }
  cur.pos = end;
}

async function walkGraph(cur: WireCursor, end: number, scope: Scope, state: WalkState, depth: number): Promise<void> {
  let nodeIndex = 0;
  const main = scope.kind === 'main';
  await forFields(cur, end, 'GraphProto', state, depth, async (f) => {
    switch (f.number) {
      case 1:
        cur.pos = f.start;
        return walkNode(cur, f.end, scope, nodeIndex++, state, depth + 1);
      case 2: {
        const name = await readString(cur, f, state, 'GraphProto.name');
        if (main) state.graphName = name;
        return;
      }
      case 5:
        cur.pos = f.start;
        state.onTensor(await walkTensor(cur, f.end, `${scope.path} > initializer`, state, depth + 1), main);
        return;
      case 15: {
        cur.pos = f.start;
        const parts = await walkSparseTensor(cur, f.end, `${scope.path} > sparse_initializer`, state, depth + 1);
        for (const part of parts) state.onTensor(part, false);
        if (main) {
          state.initializerCount++;
          state.initializerBytes += parts.reduce((sum, p) => sum + p.inlineBytes, 0);
          const values = parts[0];
          if (values) state.initializerNames.add(values.name);
        }
        return;
      }
      case 11:
      case 12: {
        if (!main) return checkLeaf(cur, f, state, depth);
        const info = toValueInfo(await readLeaf(cur, f, state, depth));
        state.addValueInfo(f.number === 11 ? 'inputs' : 'outputs', info);
        return;
      }
      case 13:
      case 14:
      case 16:
        return checkLeaf(cur, f, state, depth);
      default:
        return;
    }
  });
}

async function walkFunction(cur: WireCursor, end: number, state: WalkState, depth: number): Promise<void> {
  const fn = { name: '', domain: '', overload: '', nodeCount: 0, opsetImports: [] as Array<{ domain: string; version: number }>, path: '' };
  const nodes: Range[] = [];
  const attributes: Range[] = [];
  await forFields(cur, end, 'FunctionProto', state, depth, async (f) => {
    switch (f.number) {
      case 1:
        fn.name = await readString(cur, f, state, 'FunctionProto.name');
        return;
      case 10:
        fn.domain = await readString(cur, f, state, 'FunctionProto.domain');
        return;
      case 13:
        fn.overload = await readString(cur, f, state, 'FunctionProto.overload');
        return;
      case 7:
        nodes.push([f.start, f.end]);
        return;
      case 11:
        attributes.push([f.start, f.end]);
        return;
      case 9: {
        const entry = await readLeaf(cur, f, state, depth);
        fn.opsetImports.push({ domain: str(entry['domain']), version: typeof entry['version'] === 'number' ? entry['version'] : 0 });
        return;
      }
      case 12:
      case 14:
        return checkLeaf(cur, f, state, depth);
      default:
        return;
    }
  });
  fn.path = `function ${quote(`${fn.domain}::${fn.name}`)}`;
  state.functions.push(fn);
  const scope: Scope = { kind: 'function', path: fn.path, fn };
  for (const [index, [start, stop]] of nodes.entries()) {
    cur.pos = start;
    await walkNode(cur, stop, scope, index, state, depth + 1);
  }
  for (const [start, stop] of attributes) {
    cur.pos = start;
    const attr = await walkAttribute(cur, stop, state, depth + 1);
    await walkAttributePayloads(cur, attr, `${fn.path} > default`, scope, state, depth + 1);
  }
  cur.pos = end;
}

async function walkTrainingInfo(cur: WireCursor, end: number, index: number, state: WalkState, depth: number): Promise<void> {
  state.trainingInfoCount++;
  await forFields(cur, end, 'TrainingInfoProto', state, depth, async (f) => {
    if (f.number === 1 || f.number === 2) {
      cur.pos = f.start;
      const path = `training_info[${index}] > ${f.number === 1 ? 'initialization' : 'algorithm'}`;
      return walkGraph(cur, f.end, { kind: 'training', path }, state, depth + 1);
    }
    if (f.number === 3 || f.number === 4) return checkLeaf(cur, f, state, depth);
  });
}

/** Walks a whole ModelProto from `cur`. Throws FormatError on input it cannot parse; `state` keeps what was learnt. */
export async function walkModel(cur: WireCursor, state: WalkState): Promise<void> {
  let trainingIndex = 0;
  await forFields(cur, cur.size, 'ModelProto', state, 0, async (f) => {
    switch (f.number) {
      case 1:
        state.irVersion = f.value;
        return;
      case 2:
        state.producerName = await readString(cur, f, state, 'ModelProto.producer_name');
        return;
      case 3:
        state.producerVersion = await readString(cur, f, state, 'ModelProto.producer_version');
        return;
      case 4:
        state.modelDomain = await readString(cur, f, state, 'ModelProto.domain');
        return;
      case 5:
        state.modelVersion = f.value;
        return;
      case 7:
        state.graphCount++;
        cur.pos = f.start;
        return walkGraph(cur, f.end, { kind: 'main', path: 'graph' }, state, 1);
      case 8: {
        const entry = await readLeaf(cur, f, state, 0);
        state.opsetImports.push({ domain: str(entry['domain']), version: typeof entry['version'] === 'number' ? entry['version'] : 0 });
        return;
      }
      case 14: {
        const entry = await readLeaf(cur, f, state, 0);
        state.addMetadata(str(entry['key']), str(entry['value']));
        return;
      }
      case 20:
        cur.pos = f.start;
        return walkTrainingInfo(cur, f.end, trainingIndex++, state, 1);
      case 25:
        cur.pos = f.start;
        return walkFunction(cur, f.end, state, 1);
      case 26:
        return checkLeaf(cur, f, state, 0);
      default:
        return;
    }
  });
}
