import type { OnnxCode } from './codes.js';
import { canonicalDomain, classifyDomain, displayDomain, isPythonBridge, isStandardOperator } from './domains.js';
import type { WalkState } from './state.js';

export type Report = (code: OnnxCode, message: string, evidence?: Record<string, unknown>) => void;

/** Newest IR version this scanner was written against (ONNX 1.18+ writes 11; 12 and 13 are reserved ahead). */
const KNOWN_IR_VERSION = 13;
/** Above this an ir_version is not a version at all. */
const ABSURD_IR_VERSION = 1000;
const MAX_LISTED = 20;

function functionKey(domain: string, name: string, overload: string): string {
  return `${canonicalDomain(domain)}\u0000${name}\u0000${overload}`;
}

/** Model-level checks: ir_version, graph presence, opset imports. */
export function analyseModel(state: WalkState, report: Report, complete: boolean): void {
  if (complete) {
    if (state.irVersion === null) report('ONNX_MALFORMED', 'ModelProto has no ir_version', { reason: 'missing ir_version' });
    if (state.graphCount === 0) report('ONNX_MALFORMED', 'ModelProto has no graph', { reason: 'missing graph' });
  }
  if (state.irVersion !== null) {
    if (state.irVersion < 1 || state.irVersion > ABSURD_IR_VERSION) {
      report('ONNX_MALFORMED', `ir_version ${state.irVersion} is not a valid IR version`, { reason: 'absurd ir_version', irVersion: state.irVersion });
    } else if (state.irVersion > KNOWN_IR_VERSION) {
      report('ONNX_IR_VERSION_UNKNOWN', `ir_version ${state.irVersion} is newer than ${KNOWN_IR_VERSION}`, { irVersion: state.irVersion });
    }
  }
  const imported = new Map<string, number>();
  for (const opset of state.opsetImports) {
    const d = canonicalDomain(opset.domain);
    imported.set(d, (imported.get(d) ?? 0) + 1);
  }
  for (const [domain, count] of imported) {
    if (count > 1) report('ONNX_INVALID_MODEL', `opset_import lists domain ${displayDomain(domain)} ${count} times`, { domain: displayDomain(domain) });
  }
  if (complete && state.irVersion !== null && state.irVersion >= 3 && state.opsetImports.length === 0) {
    report('ONNX_INVALID_MODEL', 'model has no opset_import', { issue: 'no opset_import' });
  }
  const functionDomains = new Set(state.functions.map((fn) => canonicalDomain(fn.domain)));
  const usedDomains = new Set([...state.ops.values()].map((use) => canonicalDomain(use.domain)));
  for (const opset of state.opsetImports) {
    const d = canonicalDomain(opset.domain);
    if (classifyDomain(d) !== 'custom' || usedDomains.has(d) || functionDomains.has(d)) continue;
    report('ONNX_UNKNOWN_OPSET_DOMAIN', `opset_import names non-standard domain ${JSON.stringify(d)} (version ${opset.version}) but no node uses it`, {
      domain: d,
      version: opset.version,
    });
  }
  if (complete) {
    for (const domain of state.graphDomains.keys()) {
      const d = canonicalDomain(domain);
      if (!imported.has(d) && !functionDomains.has(d)) {
        report('ONNX_INVALID_MODEL', `nodes use domain ${displayDomain(d)} that the model does not import`, { issue: 'domain not imported', domain: displayDomain(d) });
      }
    }
  }
  const issues = state.modelIssues.slice(0, MAX_LISTED);
  for (const { issue, path } of issues) report('ONNX_INVALID_MODEL', `${path}: ${issue}`, { issue, path });
}

/** Operator checks: custom domains, ATen, unknown standard operators, shadowing local functions. */
export function analyseOperators(state: WalkState, report: Report): void {
  const functions = new Map<string, number>();
  for (const fn of state.functions) {
    const key = functionKey(fn.domain, fn.name, fn.overload);
    functions.set(key, (functions.get(key) ?? 0) + 1);
    if (isStandardOperator(fn.domain, fn.name)) {
      report('ONNX_FUNCTION_SHADOWS_OPERATOR', `local function ${displayDomain(canonicalDomain(fn.domain))}::${fn.name} has the name of a standard operator`, {
        domain: displayDomain(canonicalDomain(fn.domain)),
        name: fn.name,
      });
    }
  }
  for (const [key, count] of functions) {
    if (count < 2) continue;
    const [domain = '', name = ''] = key.split('\u0000');
    report('ONNX_FUNCTION_SHADOWS_OPERATOR', `local function ${displayDomain(domain)}::${name} is defined ${count} times`, { domain: displayDomain(domain), name, count });
  }
  for (const use of state.ops.values()) {
    const domain = displayDomain(canonicalDomain(use.domain));
    const evidence = { domain, opType: use.opType, count: use.count, locations: use.samples };
    const qualified = `${domain}::${use.opType}`;
    if (functions.has(functionKey(use.domain, use.opType, use.overload))) continue;
    switch (classifyDomain(use.domain)) {
      case 'standard':
        if (!isStandardOperator(use.domain, use.opType)) {
          report('ONNX_UNKNOWN_OPERATOR', `${use.count} node(s) use ${qualified}, which is not a ${domain} operator nor a local function`, evidence);
        }
        break;
      case 'runtime':
        if (isPythonBridge(use.domain, use.opType)) {
          report('ONNX_PYTHON_OP', `${use.count} node(s) use ${qualified}, which calls a Python function of the loading process`, evidence);
        }
        break;
      case 'aten':
        report('ONNX_ATEN_OP', `${use.count} node(s) use ${qualified}: the ATen fallback runs the PyTorch operator the node names`, evidence);
        break;
      case 'custom':
        report('ONNX_CUSTOM_OP', `${use.count} node(s) use custom operator ${qualified}: loading needs a native custom-op library`, evidence);
        break;
    }
  }
}

/** Parser-level observations: unknown and duplicated fields, bad UTF-8, limits that cut facts. */
export function analyseWire(state: WalkState, report: Report): void {
  for (const entry of [...state.unknownFields.values()].slice(0, MAX_LISTED)) {
    report('ONNX_UNKNOWN_FIELD', `${entry.message} has unknown field ${entry.field} (${entry.count}x, first at byte ${entry.firstOffset})`, { ...entry });
  }
  for (const dup of state.duplicates.slice(0, MAX_LISTED)) {
    report('ONNX_DUPLICATE_FIELD', `${dup.message}.${dup.field} appears more than once (byte ${dup.offset})`, { ...dup });
  }
  for (const bad of state.invalidUtf8.slice(0, MAX_LISTED)) {
    report('ONNX_INVALID_UTF8', `${bad.what} at byte ${bad.offset} is not valid UTF-8`, { ...bad });
  }
  for (const hit of state.limitHits) report('ONNX_LIMIT_EXCEEDED', `${hit}; facts are incomplete`, { limit: hit });
}
