import { AI_ONNX_ML_OPERATORS, AI_ONNX_OPERATORS, TRAINING_OPERATORS } from './operators.js';

/** The default domain has two spellings. */
export function canonicalDomain(domain: string): string {
  return domain === 'ai.onnx' ? '' : domain;
}

export function displayDomain(domain: string): string {
  return domain === '' ? 'ai.onnx' : domain;
}

/** Standard ONNX domains whose operator names are checked against the specification. */
const STANDARD_OPERATORS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ['', AI_ONNX_OPERATORS],
  ['ai.onnx.ml', AI_ONNX_ML_OPERATORS],
  ['ai.onnx.training', TRAINING_OPERATORS],
  ['ai.onnx.preview.training', TRAINING_OPERATORS],
]);

/**
 * Domains onnxruntime serves from kernels compiled into the runtime itself (contrib ops, layout
 * and execution-provider internals). Their operator names are not checked: the list changes with
 * every release, and an unknown name there fails to load rather than loading foreign code.
 */
const RUNTIME_DOMAINS: ReadonlySet<string> = new Set([
  'com.microsoft',
  'com.microsoft.nchwc',
  'com.microsoft.experimental',
  'com.ms.internal.nhwc',
  'com.microsoft.dml',
]);

/**
 * org.pytorch.aten is deliberately not trusted: onnxruntime serves it only in training builds,
 * through the ATen fallback, which calls whatever PyTorch operator the node names (including ones
 * such as aten::from_file that read the file system).
 */
export const ATEN_DOMAIN = 'org.pytorch.aten';

/**
 * Contrib ops of onnxruntime training builds (ORTModule) that hand control to Python: they call the
 * torch.autograd.Function registered under the node's func_name attribute.
 */
const PYTHON_BRIDGE_OPS: ReadonlySet<string> = new Set(['PythonOp', 'PythonOpGrad']);

export function isPythonBridge(domain: string, opType: string): boolean {
  return canonicalDomain(domain) === 'com.microsoft' && PYTHON_BRIDGE_OPS.has(opType);
}

export type DomainClass = 'standard' | 'runtime' | 'aten' | 'custom';

export function classifyDomain(domain: string): DomainClass {
  const d = canonicalDomain(domain);
  if (STANDARD_OPERATORS.has(d)) return 'standard';
  if (RUNTIME_DOMAINS.has(d)) return 'runtime';
  if (d === ATEN_DOMAIN) return 'aten';
  return 'custom';
}

export function isStandardOperator(domain: string, opType: string): boolean {
  return STANDARD_OPERATORS.get(canonicalDomain(domain))?.has(opType) ?? false;
}
