/**
 * Exact "module.name" globals that only rebuild data: tensors, storages, arrays, dtypes and plain
 * containers. Anything not listed is at least a medium finding. Every entry here must be safe to
 * call with attacker-chosen arguments; helpers that call one of their arguments are listed in
 * CALLABLE_ARGUMENTS so the analyser checks what they will call.
 */
const TORCH_STORAGES = [
  'Bool', 'Byte', 'Char', 'Short', 'Int', 'Long', 'Half', 'Float', 'Double', 'BFloat16', 'ComplexFloat',
  'ComplexDouble', 'QInt8', 'QUInt8', 'QInt32', 'QUInt4x2', 'QUInt2x4',
].map((kind) => `${kind}Storage`);

const TORCH_DTYPES = [
  'float32', 'float', 'float64', 'double', 'float16', 'half', 'bfloat16', 'complex32', 'chalf', 'complex64',
  'cfloat', 'complex128', 'cdouble', 'uint8', 'uint16', 'uint32', 'uint64', 'int8', 'int16', 'short', 'int32',
  'int', 'int64', 'long', 'bool', 'qint8', 'quint8', 'qint32', 'quint4x2', 'quint2x4', 'float8_e4m3fn',
  'float8_e5m2', 'float8_e4m3fnuz', 'float8_e5m2fnuz', 'float8_e8m0fnu', 'float4_e2m1fn_x2', 'bits8', 'bits16',
];

const TORCH_ENUMS = [
  'contiguous_format', 'channels_last', 'channels_last_3d', 'preserve_format', 'strided', 'sparse_coo',
  'sparse_csr', 'sparse_csc', 'sparse_bsr', 'sparse_bsc', '_mkldnn', 'per_tensor_affine', 'per_channel_affine',
  'per_tensor_symmetric', 'per_channel_symmetric', 'per_channel_affine_float_qparams',
];

const BUILTIN_TYPES = [
  'set', 'frozenset', 'slice', 'complex', 'bytearray', 'bytes', 'str', 'int', 'float', 'bool', 'list', 'dict',
  'tuple', 'range', 'object', 'Ellipsis', 'NotImplemented',
];

export const ALLOWED_GLOBALS: ReadonlySet<string> = new Set([
  // torch tensor and parameter reconstruction (torch/_utils.py, torch/_tensor.py).
  'torch._utils._rebuild_tensor',
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_tensor_v3',
  'torch._utils._rebuild_parameter',
  'torch._utils._rebuild_parameter_with_state',
  'torch._utils._rebuild_qtensor',
  'torch._utils._rebuild_sparse_tensor',
  'torch._utils._rebuild_sparse_csr_tensor',
  'torch._utils._rebuild_nested_tensor',
  'torch._utils._rebuild_meta_tensor_no_storage',
  'torch._utils._rebuild_wrapper_subclass',
  'torch._utils._rebuild_device_tensor_from_numpy',
  'torch._utils._rebuild_device_tensor_from_cpu_tensor',
  'torch._utils._rebuild_xla_tensor',
  'torch._utils._rebuild_mtia_tensor',
  'torch._tensor._rebuild_from_type',
  'torch._tensor._rebuild_from_type_v2',
  'torch.serialization._get_layout',
  'torch.Tensor',
  'torch._tensor.Tensor',
  'torch.nn.parameter.Parameter',
  'torch.nn.parameter.Buffer',
  'torch.Size',
  'torch.device',
  'torch.UntypedStorage',
  'torch.TypedStorage',
  'torch.storage.UntypedStorage',
  'torch.storage.TypedStorage',
  'torch.storage._TypedStorage',
  ...TORCH_STORAGES.map((s) => `torch.${s}`),
  ...TORCH_STORAGES.map((s) => `torch.cuda.${s}`),
  ...TORCH_DTYPES.map((d) => `torch.${d}`),
  ...TORCH_ENUMS.map((e) => `torch.${e}`),
  // Legacy torch.save: storages are separate torch.save streams, scanned as nested payloads.
  'torch.storage._load_from_bytes',
  // numpy arrays, scalars and dtypes.
  'numpy.core.multiarray._reconstruct',
  'numpy._core.multiarray._reconstruct',
  'numpy.core.multiarray.scalar',
  'numpy._core.multiarray.scalar',
  'numpy.core.numeric._frombuffer',
  'numpy._core.numeric._frombuffer',
  'numpy.dtype',
  'numpy.ndarray',
  'numpy.matrix',
  'numpy.matrixlib.defmatrix.matrix',
  'numpy.ma.core._mareconstruct',
  'numpy.random._pickle.__randomstate_ctor',
  'numpy.random._pickle.__bit_generator_ctor',
  'numpy.random._pickle.__generator_ctor',
  'numpy.random.mtrand.RandomState',
  'numpy.random._mt19937.MT19937',
  'numpy.random._pcg64.PCG64',
  'numpy.random._philox.Philox',
  'numpy.random._sfc64.SFC64',
  'numpy.random._generator.Generator',
  // joblib writes arrays as wrappers followed by raw bytes; the analyser skips exactly those bytes.
  'joblib.numpy_pickle.NumpyArrayWrapper',
  'sklearn.externals.joblib.numpy_pickle.NumpyArrayWrapper',
  // How protocol 2 pickles bytes: _codecs.encode(str, 'latin1').
  '_codecs.encode',
  // Plain containers and value types.
  ...BUILTIN_TYPES.map((t) => `builtins.${t}`),
  'collections.OrderedDict',
  'collections.defaultdict',
  'collections.Counter',
  'collections.deque',
  'copyreg._reconstructor',
  'copyreg.__newobj__',
  'copyreg.__newobj_ex__',
  'argparse.Namespace',
  'datetime.datetime',
  'datetime.date',
  'datetime.time',
  'datetime.timedelta',
  'datetime.timezone',
  'decimal.Decimal',
  'fractions.Fraction',
  'uuid.UUID',
  'pathlib.Path',
  'pathlib.PosixPath',
  'pathlib.WindowsPath',
  'pathlib.PurePath',
  'pathlib.PurePosixPath',
  'pathlib.PureWindowsPath',
]);

/**
 * An argument an allowed helper calls (or instantiates), while loading or later (defaultdict's
 * factory): [index, a literal the helper also accepts there, and then calls nothing].
 */
export type CalledArgument = readonly [index: number, accepts?: 'str' | 'none'];

/**
 * Allowed helpers that call (or instantiate) some of their arguments, by argument index (the audit of
 * every allowlisted callable is in docs/findings/pickle.md). Those arguments must be plain imported
 * globals; their own import verdict then applies.
 */
export const CALLABLE_ARGUMENTS: ReadonlyMap<string, readonly CalledArgument[]> = new Map<string, readonly CalledArgument[]>([
  ['copyreg._reconstructor', [[0], [1]]],
  ['copyreg.__newobj__', [[0]]],
  ['copyreg.__newobj_ex__', [[0]]],
  ['torch._tensor._rebuild_from_type', [[0], [1]]],
  ['torch._tensor._rebuild_from_type_v2', [[0], [1]]],
  ['torch._utils._rebuild_wrapper_subclass', [[0]]],
  ['numpy.core.multiarray._reconstruct', [[0]]],
  ['numpy._core.multiarray._reconstruct', [[0]]],
  ['numpy.ma.core._mareconstruct', [[0], [1]]],
  // __randomstate_ctor(name, bit_generator_ctor) is RandomState(bit_generator_ctor(name)); same for Generator.
  ['numpy.random._pickle.__randomstate_ctor', [[1]]],
  ['numpy.random._pickle.__generator_ctor', [[1]]],
  // __bit_generator_ctor(name_or_class) instantiates its argument when it is a class.
  ['numpy.random._pickle.__bit_generator_ctor', [[0, 'str']]],
  // defaultdict(factory): the application calls the factory on every missing key.
  ['collections.defaultdict', [[0, 'none']]],
]);

/**
 * Allowed helpers that call another callable with arguments they were given: `_rebuild_from_type(_v2)`
 * calls func(*args); the numpy random constructors call bit_generator_ctor(name), and
 * `__bit_generator_ctor` calls its class. The analyser checks that forwarded call as if the stream made it.
 */
export const FORWARDING_HELPERS: ReadonlySet<string> = new Set([
  'torch._tensor._rebuild_from_type',
  'torch._tensor._rebuild_from_type_v2',
  'numpy.random._pickle.__randomstate_ctor',
  'numpy.random._pickle.__generator_ctor',
  'numpy.random._pickle.__bit_generator_ctor',
]);

/** Default bit_generator_ctor of numpy.random._pickle.__randomstate_ctor and __generator_ctor. */
export const BIT_GENERATOR_CTOR = 'numpy.random._pickle.__bit_generator_ctor';

/** Allowed classes whose instances accept SETITEM(S) (dict-like), APPEND(S) (list-like) and ADDITEMS (set-like). */
export const DICT_LIKE: ReadonlySet<string> = new Set([
  'collections.OrderedDict', 'collections.defaultdict', 'collections.Counter', 'builtins.dict',
]);
export const LIST_LIKE: ReadonlySet<string> = new Set(['builtins.list', 'collections.deque']);
export const SET_LIKE: ReadonlySet<string> = new Set(['builtins.set']);
