import { makeFinding, type Finding } from '../../core/finding.js';
import { KERAS_CODES, type KerasCode } from './codes.js';

export interface KerasConfigFacts {
  modelClass: string | null;
  layerCount: number;
  /** First 500 layers: class and name. */
  layers: Array<{ className: string; name: string | null }>;
  lambdaLayers: string[];
  /** module / registered_name references outside keras and tensorflow. */
  customObjects: string[];
}

/** Namespaces whose objects Keras ships itself. */
const TRUSTED_ROOTS = new Set(['keras', 'tensorflow', 'tf', 'tf_keras', 'keras_nlp', 'keras_cv', 'keras_hub']);
/** Modules whose callables give code execution, file, process or network access. */
const DANGEROUS_ROOTS = new Set([
  'builtins', '__builtin__', 'os', 'posix', 'nt', 'subprocess', 'sys', 'runpy', 'importlib', 'imp', 'pickle', '_pickle', 'dill', 'cloudpickle', 'marshal',
  'shutil', 'socket', 'ctypes', 'pty', 'code', 'codeop', 'commands', 'webbrowser', 'urllib', 'requests', 'http', 'ftplib', 'telnetlib', 'smtplib',
  'multiprocessing', 'threading', 'asyncio', 'pdb', 'bdb', 'timeit', 'pydoc', 'platform', 'types', 'functools', 'operator', 'inspect', 'gc', 'io', 'tempfile', 'glob', 'pathlib', '__main__',
]);
/** Keras/TF callables abused to switch off safe_mode or reach files (CVE-2025-9906, CVE-2025-8747 family). */
const UNSAFE_CALLABLES = new Set([
  'enable_unsafe_deserialization', 'get_file', 'load_model', 'load_weights', 'save_model', 'deserialize_keras_object', 'set_session',
  'exec', 'eval', 'compile', 'system', 'popen', 'getattr', 'open', '__import__', 'import_module',
]);
const RISKY_TF_OPS = /^(io\.|gfile\.|raw_ops\.|py_function|numpy_function|compat\.v1\.(py_func|io|gfile|read_file|write_file|Print)|debugging\.|summary\.|saved_model\.|data\.experimental\.(save|load)|distribute\.|lookup\.|strings\.format|print$|compat\.v1\.py_func)/;
const LAYER_CONTAINERS = new Set(['layers', 'layer', 'forward_layer', 'backward_layer']);
const MAX_DEPTH = 128;
const MAX_NODES = 2_000_000;
const MAX_LAYERS_IN_FACTS = 500;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const rootOf = (module: string) => module.split('.')[0] ?? module;
const brief = (v: unknown) => (typeof v === 'string' ? v.slice(0, 120) : JSON.stringify(v)?.slice(0, 120) ?? String(v));

/**
 * Walks a Keras model config (the JSON of `model_config` in a .h5, or `config.json` in a .keras zip)
 * and flags every construct that makes Keras execute or import code on load. The walk visits every
 * object in the document, not just `layers`, so wrappers (TimeDistributed, Bidirectional), nested
 * models, `function` objects and custom losses/metrics in training configs are all covered.
 */
export function analyseKerasConfig(config: unknown, at: { file: string; location: readonly string[] }): { facts: KerasConfigFacts; findings: Finding[] } {
  const findings: Finding[] = [];
  const facts: KerasConfigFacts = { modelClass: null, layerCount: 0, layers: [], lambdaLayers: [], customObjects: [] };
  const seen = new Set<string>();
  const add = (code: KerasCode, message: string, evidence: Record<string, unknown>) => {
    const key = `${code}:${JSON.stringify(evidence)}`;
    if (seen.has(key) || findings.length >= 200) return;
    seen.add(key);
    findings.push(makeFinding(KERAS_CODES, code, at, message, evidence));
  };

  if (!isObject(config)) {
    add('KERAS_CONFIG_INVALID', 'Keras config is not a JSON object', { found: Array.isArray(config) ? 'array' : typeof config });
    return { facts, findings };
  }
  facts.modelClass = typeof config.class_name === 'string' ? config.class_name.slice(0, 128) : null;

  let nodes = 0;
  let tooLarge = false;
  const checkModule = (module: string, name: unknown, path: string) => {
    const root = rootOf(module);
    const target = name === undefined ? module : `${module}.${brief(name)}`;
    if (DANGEROUS_ROOTS.has(root)) {
      add('KERAS_DANGEROUS_MODULE', `config at ${path} makes Keras import ${target}`, { path, module, name: brief(name) });
    } else if (!TRUSTED_ROOTS.has(root)) {
      if (facts.customObjects.length < 100) facts.customObjects.push(`${target}`);
      add('KERAS_CUSTOM_OBJECT', `config at ${path} imports ${target} (outside keras/tensorflow)`, { path, module, name: brief(name) });
    }
  };

  /** `container` is the key holding this value (arrays pass theirs down), so only real layers are listed. */
  const visit = (value: unknown, depth: number, path: string, container: string) => {
    if (tooLarge) return;
    if (++nodes > MAX_NODES || depth > MAX_DEPTH) {
      tooLarge = true;
      add('KERAS_CONFIG_TOO_LARGE', `config exceeds ${MAX_DEPTH} levels or ${MAX_NODES} nodes; analysis stopped at ${path}`, { path });
      return;
    }
    if (Array.isArray(value)) {
      value.forEach((item, i) => visit(item, depth + 1, `${path}[${i}]`, container));
      return;
    }
    if (!isObject(value)) return;
    const className = typeof value.class_name === 'string' ? value.class_name : undefined;
    const inner = isObject(value.config) ? value.config : undefined;
    const name = inner && typeof inner.name === 'string' ? inner.name : null;

    if (className !== undefined && inner && LAYER_CONTAINERS.has(container)) {
      facts.layerCount++;
      if (facts.layers.length < MAX_LAYERS_IN_FACTS) facts.layers.push({ className: className.slice(0, 128), name: name?.slice(0, 128) ?? null });
    }
    if (className === 'Lambda' || className === '__lambda__') {
      const layer = name ?? path;
      if (facts.lambdaLayers.length < 100) facts.lambdaLayers.push(layer);
      add('KERAS_LAMBDA_LAYER', `Lambda ${JSON.stringify(layer)} at ${path}: Keras deserialises and runs its Python function`, {
        path,
        layer,
        functionType: inner?.function_type ?? null,
        function: brief(inner?.function ?? inner?.code ?? null),
      });
    }
    if (className === 'TFOpLambda' || className === 'SlicingOpLambda') {
      const fn = typeof inner?.function === 'string' ? inner.function : '';
      if (RISKY_TF_OPS.test(fn)) add('KERAS_TFOP_LAMBDA_RISKY', `TFOpLambda at ${path} calls tf.${fn}`, { path, function: fn.slice(0, 120) });
      else add('KERAS_TFOP_LAMBDA', `TFOpLambda at ${path} calls tf.${fn.slice(0, 120)}`, { path, function: fn.slice(0, 120) });
    }
    // Keras 3 serialises plain functions as {module, class_name: "function", config: "<name>"}.
    const callable = className === 'function' && typeof value.config === 'string' ? value.config : className;
    if (typeof value.module === 'string') checkModule(value.module, callable, path);
    if (callable !== undefined && UNSAFE_CALLABLES.has(callable)) {
      add('KERAS_UNSAFE_CALLABLE', `config at ${path} calls ${typeof value.module === 'string' ? `${value.module}.` : ''}${callable}`, { path, callable });
    }
    const registered = value.registered_name;
    if (typeof registered === 'string' && registered.includes('>')) {
      const pkg = registered.split('>')[0]!;
      if (!TRUSTED_ROOTS.has(pkg) && pkg !== 'keras_core') {
        if (facts.customObjects.length < 100) facts.customObjects.push(registered.slice(0, 128));
        add('KERAS_CUSTOM_OBJECT', `config at ${path} needs registered custom object ${registered.slice(0, 128)}`, { path, registeredName: registered.slice(0, 128) });
      }
    }
    for (const [key, child] of Object.entries(value)) visit(child, depth + 1, `${path}.${key}`, key);
  };
  visit(config, 0, '$', '');
  return { facts, findings };
}
