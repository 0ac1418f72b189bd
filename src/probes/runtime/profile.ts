import type { ImageLayout, ProbeProfile, ProbeTask } from '../types.js';
import type { ProfileHints, ProfileResult } from './hints.js';
import { readSignature, SignatureError, type ModelSignature, type TensorSignature } from './signature.js';

const TOKEN_INPUT = /(input_?ids|token|^ids$|^input$|^x$|^text)/i;
const MASK_INPUT = /attention_?mask|^mask$|input_mask/i;
const INT_TYPES = new Set(['int64', 'int32']);
const FIXED_TYPES = new Set(['float32', 'int64', 'int32']);

class Unprobeable extends Error {}
const refuse = (reason: string): never => {
  throw new Unprobeable(reason);
};

/** Names come from the file: quoted and bounded before they reach a message. */
export function quoteName(name: string): string {
  const text = JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name);
  return text;
}

/**
 * Derives how to feed a classifier and read its scores from the model's signature and the policy's
 * hints. Anything ambiguous is unprobeable with a reason, never guessed: a wrong profile would make
 * every later stage's evidence meaningless.
 */
export function inferProfile(model: Uint8Array, hints: ProfileHints = {}): ProfileResult {
  try {
    let signature: ModelSignature;
    try {
      signature = readSignature(model);
    } catch (error) {
      if (error instanceof SignatureError) return { unprobeable: error.message };
      throw error;
    }
    return buildProfile(signature, hints);
  } catch (error) {
    if (error instanceof Unprobeable) return { unprobeable: error.message };
    throw error;
  }
}

function buildProfile(signature: ModelSignature, hints: ProfileHints): ProbeProfile {
  const fixedInputs = checkFixedInputs(signature, hints);
  const free = signature.inputs.filter((i) => !(i.name in (fixedInputs ?? {})));
  const { data, mask } = chooseDataInput(free, hints);
  const task = chooseTask(data, hints);
  const { output, classCount } = chooseOutput(signature.outputs, hints);
  const base = { task, inputName: data.name, outputName: output.name, classCount, ...(fixedInputs ? { fixedInputs } : {}) };
  if (task === 'image-classification') {
    if (mask) refuse(`image input ${quoteName(data.name)} comes with a second data input ${quoteName(mask.name)}`);
    return { ...base, ...imageProfile(data, hints) };
  }
  return { ...base, ...textProfile(data, mask, signature, hints) };
}

function checkFixedInputs(signature: ModelSignature, hints: ProfileHints): ProbeProfile['fixedInputs'] {
  const fixed = hints.fixedInputs;
  if (!fixed) return undefined;
  const out: NonNullable<ProbeProfile['fixedInputs']> = {};
  for (const [name, spec] of Object.entries(fixed)) {
    const input = signature.inputs.find((i) => i.name === name);
    if (!input) refuse(`fixed input ${quoteName(name)} is not a graph input`);
    if (!FIXED_TYPES.has(spec.type) || input!.type !== spec.type) {
      refuse(`fixed input ${quoteName(name)} is declared ${spec.type} but the graph wants ${input!.type}`);
    }
    const size = spec.shape.reduce((a, b) => a * b, 1);
    if (!spec.shape.every((d) => Number.isInteger(d) && d >= 0) || spec.values.length !== size || !spec.values.every(Number.isFinite)) {
      refuse(`fixed input ${quoteName(name)}: ${spec.values.length} values do not fill shape [${spec.shape.join(', ')}]`);
    }
    out[name] = { type: spec.type, shape: [...spec.shape], values: [...spec.values] };
  }
  return out;
}

function rank(t: TensorSignature): number | null {
  return t.dims === null ? null : t.dims.length;
}

function imageLike(t: TensorSignature): boolean {
  return t.type === 'float32' && (rank(t) === 4 || rank(t) === 3);
}

function textLike(t: TensorSignature): boolean {
  return INT_TYPES.has(t.type) && rank(t) === 2;
}

function chooseDataInput(free: TensorSignature[], hints: ProfileHints): { data: TensorSignature; mask?: TensorSignature } {
  if (free.length === 0) refuse('the model has no data input left once the fixed inputs are set');
  let data: TensorSignature | undefined;
  if (hints.inputName !== undefined) {
    data = free.find((i) => i.name === hints.inputName);
    if (!data) refuse(`input ${quoteName(hints.inputName)} named by the policy is not a free graph input`);
  } else if (free.length === 1) {
    data = free[0];
  } else {
    const tokens = free.filter((i) => textLike(i) && TOKEN_INPUT.test(i.name) && !MASK_INPUT.test(i.name));
    if (tokens.length === 1) data = tokens[0];
  }
  if (!data) {
    refuse(`${free.length} candidate data inputs (${free.slice(0, 5).map((i) => quoteName(i.name)).join(', ')}); name one with the policy's inputName or fix the others with fixedInputs`);
  }
  const rest = free.filter((i) => i !== data);
  const mask = rest.find((i) => MASK_INPUT.test(i.name) && rank(i) === 2 && (INT_TYPES.has(i.type) || i.type === 'float32'));
  const unexplained = rest.filter((i) => i !== mask);
  if (unexplained.length > 0 || (mask && !textLike(data!))) {
    const extra = unexplained.length > 0 ? unexplained : [mask!];
    refuse(`input${extra.length > 1 ? 's' : ''} ${extra.slice(0, 5).map((i) => quoteName(i.name)).join(', ')} beside the data input ${quoteName(data!.name)} need a value (fixedInputs)`);
  }
  return mask ? { data: data!, mask } : { data: data! };
}

function chooseTask(data: TensorSignature, hints: ProfileHints): ProbeTask {
  const inferred: ProbeTask | undefined = imageLike(data) ? 'image-classification' : textLike(data) ? 'text-classification' : undefined;
  const shape = data.dims === null ? 'unknown shape' : `[${data.dims.map((d) => d ?? '?').join(', ')}]`;
  if (hints.task && inferred && hints.task !== inferred) {
    refuse(`the policy says ${hints.task} but input ${quoteName(data.name)} is ${data.type} ${shape}`);
  }
  if (!inferred) {
    refuse(`input ${quoteName(data.name)} (${data.type} ${shape}) is neither an image tensor (float, rank 3 or 4) nor token ids (int64/int32, rank 2)`);
  }
  return inferred!;
}

function chooseOutput(outputs: TensorSignature[], hints: ProfileHints): { output: TensorSignature; classCount: number } {
  const scores = (o: TensorSignature) => (o.type === 'float32' || o.type === 'float64') && (o.dims === null || o.dims.length === 2);
  let output: TensorSignature | undefined;
  if (hints.outputName !== undefined) {
    output = outputs.find((o) => o.name === hints.outputName);
    if (!output) refuse(`output ${quoteName(hints.outputName)} named by the policy is not a graph output`);
    if (!scores(output!)) refuse(`output ${quoteName(output!.name)} is ${output!.type} of rank ${rank(output!) ?? '?'}, not [N, C] float scores`);
  } else {
    const candidates = outputs.filter((o) => scores(o) && o.dims !== null && (o.dims[1] === null || o.dims[1]! >= 2));
    if (candidates.length === 0) {
      refuse(`no output is [N, C] float class scores with C >= 2 (outputs: ${outputs.slice(0, 5).map((o) => `${quoteName(o.name)} ${o.type} [${(o.dims ?? []).map((d) => d ?? '?').join(', ')}]`).join('; ')})`);
    }
    if (candidates.length > 1) refuse(`${candidates.length} outputs could be class scores (${candidates.slice(0, 5).map((o) => quoteName(o.name)).join(', ')}); name one with the policy's outputName`);
    output = candidates[0];
  }
  const declared = output!.dims?.[1] ?? null;
  const classCount = hints.classCount ?? declared;
  if (classCount === null || classCount === undefined) refuse(`output ${quoteName(output!.name)} has a symbolic class dimension; set the policy's classCount`);
  if (!Number.isInteger(classCount) || classCount! < 2) refuse(`class count ${classCount} is not an integer >= 2`);
  if (declared !== null && declared !== classCount) refuse(`the policy says ${classCount} classes but output ${quoteName(output!.name)} has ${declared}`);
  return { output: output!, classCount: classCount! };
}

/** Fills symbolic per-sample dims from the hint; a hint that contradicts a declared dim is refused. */
function sampleDims(data: TensorSignature, hints: ProfileHints): number[] {
  const dims = data.dims!.slice(1);
  const hint = hints.sampleShape;
  if (hint !== undefined && hint.length !== dims.length) refuse(`sampleShape [${hint.join(', ')}] has rank ${hint.length} but input ${quoteName(data.name)} has per-sample rank ${dims.length}`);
  return dims.map((d, i) => {
    const h = hint?.[i];
    if (h !== undefined && (!Number.isInteger(h) || h < 1)) refuse(`sampleShape entry ${h} is not a positive integer`);
    if (d !== null && h !== undefined && h !== d) refuse(`sampleShape [${hint!.join(', ')}] contradicts input ${quoteName(data.name)} [${data.dims!.map((x) => x ?? '?').join(', ')}]`);
    const value = d ?? h;
    if (value === undefined) refuse(`input ${quoteName(data.name)} has symbolic dims [${data.dims!.map((x) => x ?? '?').join(', ')}]; set the policy's sampleShape`);
    return value!;
  });
}

function imageProfile(data: TensorSignature, hints: ProfileHints): Pick<ProbeProfile, 'sampleShape' | 'inputType' | 'image'> {
  const dims = sampleDims(data, hints);
  let layout: ImageLayout;
  let channels: number;
  let height: number;
  let width: number;
  if (dims.length === 2) {
    // [N, H, W]: one channel; NCHW and NHWC lay out the same bytes.
    [height, width] = dims as [number, number];
    channels = 1;
    layout = hints.layout ?? 'NCHW';
  } else {
    const [a, b, c] = dims as [number, number, number];
    const guess: ImageLayout | undefined = a === 1 || a === 3 ? 'NCHW' : c === 1 || c === 3 ? 'NHWC' : undefined;
    layout = hints.layout ?? guess ?? refuse(`cannot tell the channel axis of input ${quoteName(data.name)} [${dims.join(', ')}]; set the policy's layout`);
    [channels, height, width] = layout === 'NCHW' ? [a, b, c] : [c, a, b];
  }
  if (height < 2 || width < 2) refuse(`input ${quoteName(data.name)} is ${height}×${width}, too small to be an image`);
  const range = hints.range ?? [0, 1];
  if (!(Number.isFinite(range[0]) && Number.isFinite(range[1]) && range[0] < range[1])) refuse(`value range [${range.join(', ')}] is not an increasing finite pair`);
  const image: NonNullable<ProbeProfile['image']> = { layout, channels, height, width, range: [range[0], range[1]] };
  if (hints.mean !== undefined || hints.std !== undefined) {
    const mean = perChannel(hints.mean ?? [0], channels, 'mean');
    const std = perChannel(hints.std ?? [1], channels, 'std');
    if (!std.every((s) => s > 0)) refuse(`std [${std.join(', ')}] must be positive`);
    image.mean = mean;
    image.std = std;
  }
  return { sampleShape: dims, inputType: 'float32', image };
}

function perChannel(values: number[], channels: number, what: string): number[] {
  if (!values.every(Number.isFinite)) refuse(`${what} holds a non-finite value`);
  if (values.length === channels) return [...values];
  if (values.length === 1) return Array.from({ length: channels }, () => values[0]!);
  return refuse(`${what} has ${values.length} values for ${channels} channels`);
}

function textProfile(data: TensorSignature, mask: TensorSignature | undefined, signature: ModelSignature, hints: ProfileHints): Pick<ProbeProfile, 'sampleShape' | 'inputType' | 'text'> {
  const [sequenceLength] = sampleDims(data, hints) as [number];
  const vocabSize = hints.vocabSize ?? embeddingRows(data.name, signature);
  if (vocabSize === undefined) refuse(`cannot find the embedding table fed by ${quoteName(data.name)}; set the policy's vocabSize`);
  if (!Number.isInteger(vocabSize) || vocabSize! < 2) refuse(`vocabulary size ${vocabSize} is not an integer >= 2`);
  const padId = hints.padId ?? 0;
  const special = [...new Set([...(hints.specialTokenIds ?? []), padId])].sort((a, b) => a - b);
  if (![...special].every((id) => Number.isInteger(id) && id >= 0 && id < vocabSize!)) refuse(`special token ids [${special.join(', ')}] are not all within the ${vocabSize}-token vocabulary`);
  const text: NonNullable<ProbeProfile['text']> = { vocabSize: vocabSize!, sequenceLength, specialTokenIds: special, padId };
  if (mask) text.attentionMaskInput = mask.name;
  return { sampleShape: [sequenceLength], inputType: data.type as 'int64' | 'int32', text };
}

/** Rows of the Gather table whose indices are the token input (through casts and reshapes). */
function embeddingRows(input: string, signature: ModelSignature): number | undefined {
  const reaches = (name: string): boolean => {
    for (let i = 0, n = name; i < 16; i++) {
      if (n === input) return true;
      const next = signature.passThrough.get(n);
      if (next === undefined) return false;
      n = next;
    }
    return false;
  };
  const direct = signature.embeddings.filter((e) => reaches(e.indices));
  if (direct.length > 0) return Math.max(...direct.map((e) => e.rows));
  return signature.embeddings.length === 1 ? signature.embeddings[0]!.rows : undefined;
}
