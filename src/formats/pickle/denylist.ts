/**
 * Globals known to run code, spawn processes, load other pickles or touch files and the network.
 * The allowlist decides what is safe; this list only sharpens the verdict and message for the rest
 * (critical instead of medium). An entry denies itself and everything under it: "os" denies
 * os.system and os.path.join; "builtins.eval" denies builtins.eval.__call__.
 * Sources: shared/docs/pickle-scanning.md sections 1 and 2 (picklescan, modelscan, fickling, ModelAudit
 * lists and the bypass table).
 */
export const DENIED_PATHS: ReadonlySet<string> = new Set([
  // Processes, the interpreter, code objects.
  'os', 'posix', 'nt', 'subprocess', '_posixsubprocess', 'pty', 'pexpect', 'pipes', 'sh', 'sys', 'signal', '_signal',
  'multiprocessing', '_multiprocessing', 'concurrent', 'threading', '_thread', 'atexit', 'gc', 'site',
  '_winapi', 'msvcrt', 'winreg', '_winreg', '_osx_support', '_aix_support', '_pyrepl', 'platform',
  'code', 'codeop', 'runpy', 'marshal', 'compileall', 'py_compile', 'zipimport',
  'importlib', '_frozen_importlib', '_frozen_importlib_external', '_imp', 'imp', 'pkgutil', 'pkg_resources',
  'inspect', '_interpreters', '_xxsubinterpreters', 'interpreters', 'ctypes', '_ctypes', 'cffi',
  'types.CodeType', 'types.FunctionType', 'types.LambdaType', 'types.MethodType', 'types.ModuleType',
  'types.BuiltinFunctionType', 'types.BuiltinMethodType', 'types.CellType', 'types.new_class',
  'types.prepare_class', 'types.coroutine', 'types.DynamicClassAttribute',
  'builtins.eval', 'builtins.exec', 'builtins.execfile', 'builtins.compile', 'builtins.open', 'builtins.file',
  'builtins.getattr', 'builtins.setattr', 'builtins.delattr', 'builtins.hasattr', 'builtins.__import__',
  'builtins.apply', 'builtins.breakpoint', 'builtins.input', 'builtins.raw_input', 'builtins.globals',
  'builtins.locals', 'builtins.vars', 'builtins.type', 'builtins.reload', 'builtins.exit', 'builtins.quit',
  'builtins.help', 'builtins.copyright', 'builtins.credits', 'builtins.license',
  '__builtins__',
  // Debuggers, profilers, test runners and interactive helpers that evaluate strings.
  'pdb', 'bdb', 'timeit', 'trace', 'profile', 'cProfile', '_lsprof', 'pydoc', 'doctest', 'unittest', 'test',
  'idlelib', 'lib2to3', 'IPython', 'antigravity', 'webbrowser', 'turtle',
  // Packaging and environments.
  'pip', 'ensurepip', 'venv', 'distutils', 'setuptools',
  // Pickle-family loaders (nested payloads) and scanner deactivation.
  'pickle', '_pickle', 'cPickle', 'pickletools', 'dill', 'cloudpickle', 'shelve', 'copyreg.add_extension',
  'copyreg.remove_extension', 'copyreg.pickle', 'copyreg.constructor', 'fickling', 'picklescan', 'modelscan',
  'yaml.load', 'yaml.load_all', 'yaml.unsafe_load', 'yaml.unsafe_load_all', 'yaml.full_load',
  'yaml.full_load_all', 'yaml.UnsafeLoader', 'yaml.Loader',
  // Files and file systems.
  'shutil', 'tempfile', 'filecmp', 'glob', 'fileinput', 'linecache', 'difflib', 'tarfile', 'zipfile',
  'sqlite3', '_sqlite3', 'dbm', 'mmap', '_io', 'io.open', 'io.open_code', 'io.FileIO', 'codecs.open',
  'logging.FileHandler', 'logging.handlers', 'logging.config', 'syslog',
  // Network.
  'socket', '_socket', 'socketserver', 'select', 'selectors', 'ssl', '_ssl', 'asyncio', 'http', 'httplib',
  'urllib', 'urllib2', 'requests', 'aiohttp', 'smtplib', 'smtpd', 'imaplib', 'ftplib', 'poplib',
  'telnetlib', 'nntplib', 'xmlrpc',
  // Reflection helpers that turn data into calls.
  'operator', '_operator', 'functools',
  'uuid._get_command_stdout', 'uuid._popen', 'uuid._find_mac', 'uuid._find_mac_near_keyword',
  'uuid._find_mac_under_heading', 'uuid._ifconfig_getnode', 'uuid._ip_getnode', 'uuid._arp_getnode',
  'uuid._lanscan_getnode', 'uuid._netstat_getnode', 'uuid._ipconfig_getnode', 'uuid._netbios_getnode',
  'uuid._unix_getnode', 'uuid._windll_getnode', 'uuid.getnode',
  // torch internals with known gadgets, and torch loaders.
  'torch.load', 'torch.save', 'torch.serialization.load', 'torch.serialization._load', 'torch.serialization.save',
  'torch.hub', 'torch._dynamo', 'torch._inductor', 'torch.jit.unsupported_tensor_ops', 'torch.jit.load',
  'torch.jit._serialization', 'torch.utils.collect_env', 'torch.utils.bottleneck', 'torch.utils._config_module',
  'torch.utils.cpp_extension', 'torch.utils.data.datapipes.utils.decoder', 'torch.distributed.rpc',
  'torch.fx.experimental.symbolic_shapes.ShapeEnv.evaluate_guards_expression', 'torch.compile', 'torch.ops',
  'torch.classes', 'torch.package', 'torch.from_file',
  // numpy, joblib, pandas, mlflow loaders and runners.
  'numpy.testing', 'numpy.f2py', 'numpy.distutils', 'numpy.ctypeslib', 'numpy.load', 'numpy.loads', 'numpy.save',
  'numpy.fromfile', 'numpy.loadtxt', 'numpy.genfromtxt', 'numpy.memmap', 'numpy.core.memmap', 'numpy._core.memmap',
  'numpy.lib.npyio', 'numpy.lib.format.read_array', 'numpy.lib.utils',
  'joblib.load', 'joblib.dump', 'joblib.numpy_pickle.load', 'joblib.numpy_pickle.dump',
  'joblib.numpy_pickle.load_compatibility', 'joblib.numpy_pickle_compat', 'joblib.parallel', 'joblib.Parallel',
  'pandas.read_pickle', 'pandas.read_csv', 'pandas.read_table', 'pandas.read_fwf', 'pandas.read_excel',
  'pandas.read_json', 'pandas.read_html', 'pandas.read_xml', 'pandas.read_sql', 'pandas.read_sql_query',
  'pandas.read_sql_table', 'pandas.read_parquet', 'pandas.read_feather', 'pandas.read_hdf', 'pandas.read_orc',
  'pandas.read_stata', 'pandas.read_sas', 'pandas.read_spss', 'pandas.read_clipboard', 'pandas.eval',
  'pandas.io', 'pandas.core.computation', 'mlflow',
]);

/**
 * Dunder attributes that walk from any object to builtins, globals or classes
 * (`x.__class__.__base__.__subclasses__()`, `f.__globals__['os']`, `len.__self__.eval`).
 */
export const DANGEROUS_DUNDERS: ReadonlySet<string> = new Set([
  '__builtins__', '__globals__', '__subclasses__', '__import__', '__code__', '__closure__', '__class__',
  '__base__', '__bases__', '__mro__', '__dict__', '__getattribute__', '__getattr__', '__setattr__',
  '__delattr__', '__loader__', '__spec__', '__self__', '__func__', '__reduce__', '__reduce_ex__',
  '__setstate__', '__getstate__', '__init_subclass__', '__call__', '__init__', '__new__', '__wrapped__',
  '__defaults__', '__kwdefaults__', '__objclass__', '__get__', '__set__', '__file__', '__path__',
]);

/** Module-level dunder helpers that legitimate pickles reference by name. */
const BENIGN_NAME_DUNDERS: ReadonlySet<string> = new Set(['__newobj__', '__newobj_ex__']);

export interface DenyMatch {
  /** The denylist entry or rule that matched. */
  rule: string;
}

const isDunder = (part: string): boolean => part.length > 4 && part.startsWith('__') && part.endsWith('__');

/**
 * Decides whether `module`.`name` is denied. The module part is a real import path, so its prefixes
 * are checked; the name part is attribute traversal, so every position in it may land on a module
 * (`pathlib` + `os.system` is os.system) and every dunder in it is a reflection step.
 */
export function matchDenylist(module: string, name: string): DenyMatch | undefined {
  const moduleParts = module.split('.');
  const nameParts = name.split('.');
  const parts = [...moduleParts, ...nameParts];
  let path = '';
  for (const part of parts) {
    path = path ? `${path}.${part}` : part;
    if (DENIED_PATHS.has(path)) return { rule: path };
  }
  for (const part of parts) {
    if (DANGEROUS_DUNDERS.has(part)) return { rule: `dunder attribute ${part}` };
  }
  for (const part of nameParts) {
    if (isDunder(part) && !BENIGN_NAME_DUNDERS.has(part)) return { rule: `dunder attribute ${part}` };
  }
  if (nameParts.length > 1) {
    for (let start = 0; start < nameParts.length; start++) {
      let inner = '';
      for (let k = start; k < nameParts.length; k++) {
        inner = inner ? `${inner}.${nameParts[k]}` : nameParts[k]!;
        if (DENIED_PATHS.has(inner)) return { rule: `${inner} (reached through attribute ${name})` };
      }
    }
  }
  return undefined;
}
