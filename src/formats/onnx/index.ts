import { FormatError, describeError } from '../../core/errors.js';
import { makeFinding, type Finding } from '../../core/finding.js';
import type { ByteSource } from '../../core/source.js';
import type { FormatReport, FormatScanner, ScanContext } from '../types.js';
import { analyseModel, analyseOperators, analyseWire, type Report } from './analyse.js';
import { ONNX_CODES, type OnnxCode } from './codes.js';
import { canonicalDomain, displayDomain } from './domains.js';
import { checkExternalData } from './external-data.js';
import type { OnnxFacts } from './facts.js';
import { WalkState } from './state.js';
import { walkModel } from './walker.js';
import { WireCursor } from './wire.js';

export { ONNX_CODES } from './codes.js';
export type { OnnxCode } from './codes.js';
export type { OnnxDim, OnnxExternalDataRef, OnnxFacts, OnnxFunctionInfo, OnnxOpsetImport, OnnxValueInfo } from './facts.js';
export { emptyOnnxFacts } from './facts.js';
export { looksLikeOnnx } from './sniff.js';

/** Findings kept per code; the rest are summarised in one more finding of the same code. */
const MAX_FINDINGS_PER_CODE = 25;

function collectFacts(state: WalkState): OnnxFacts {
  const histogram: Record<string, number> = {};
  for (const use of state.ops.values()) {
    const key = `${displayDomain(canonicalDomain(use.domain))}::${use.opType}`;
    histogram[key] = (histogram[key] ?? 0) + use.count;
  }
  return {
    irVersion: state.irVersion,
    opsetImports: state.opsetImports,
    producerName: state.producerName,
    producerVersion: state.producerVersion,
    modelDomain: state.modelDomain,
    modelVersion: state.modelVersion,
    graphName: state.graphName,
    nodeCount: state.nodeCount,
    totalNodeCount: state.totalNodeCount,
    opHistogram: histogram,
    initializerCount: state.initializerCount,
    initializerBytes: state.initializerBytes,
    inlineTensorBytes: state.inlineTensorBytes,
    inputs: state.inputs.filter((input) => !state.initializerNames.has(input.name)),
    outputs: state.outputs,
    functions: state.functions.map(({ name, domain, overload, nodeCount }) => ({ name, domain, overload, nodeCount })),
    subgraphCount: state.subgraphCount,
    trainingInfoCount: state.trainingInfoCount,
    metadataProps: state.metadataProps,
    externalData: [],
  };
}

async function scan(source: ByteSource, ctx: ScanContext): Promise<FormatReport<OnnxFacts>> {
  const findings: Finding[] = [];
  const perCode = new Map<string, number>();
  const report: Report = (code, message, evidence = {}) => {
    const count = (perCode.get(code) ?? 0) + 1;
    perCode.set(code, count);
    if (count <= MAX_FINDINGS_PER_CODE) findings.push(makeFinding(ONNX_CODES, code, ctx, `${source.label}: ${message}`, evidence));
  };

  const state = new WalkState(ctx.limits);
  let complete = true;
  try {
    await walkModel(new WireCursor(source), state);
  } catch (error) {
    complete = false;
    const code: OnnxCode = error instanceof FormatError && error.code in ONNX_CODES ? (error.code as OnnxCode) : 'ONNX_MALFORMED';
    const offset = error instanceof FormatError ? error.offset : undefined;
    report(code, `${describeError(error)}; analysis stopped there`, { reason: describeError(error), ...(offset === undefined ? {} : { offset }) });
  }

  analyseModel(state, report, complete);
  analyseOperators(state, report);
  analyseWire(state, report);
  const facts = collectFacts(state);
  try {
    facts.externalData = await checkExternalData(state.externalTensors, ctx, report);
  } catch (error) {
    report('ONNX_EXTERNAL_DATA_MISSING', `external data could not be checked: ${describeError(error)}`, { reason: describeError(error) });
  }

  for (const [code, count] of perCode) {
    if (count > MAX_FINDINGS_PER_CODE) {
      findings.push(makeFinding(ONNX_CODES, code as OnnxCode, ctx, `${source.label}: ${count - MAX_FINDINGS_PER_CODE} more ${code} findings not listed`, { suppressed: count - MAX_FINDINGS_PER_CODE }));
    }
  }
  return { format: 'onnx', facts, findings, children: [] };
}

export const onnxScanner: FormatScanner<OnnxFacts> = { format: 'onnx', scan };
