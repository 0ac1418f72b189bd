/**
 * Callables that deserialize their argument: if a pickle calls one with literal bytes, those bytes
 * are a nested payload and are scanned; with anything else, the inner payload cannot be seen.
 * Keys are canonical "module.name" (Python 2 aliases such as cPickle already rewritten).
 */
export const NESTED_LOADERS: ReadonlyMap<string, string> = new Map([
  ['pickle.loads', 'pickle.loads'],
  ['pickle._loads', 'pickle.loads'],
  ['pickle.load', 'pickle.load'],
  ['pickle._load', 'pickle.load'],
  ['_pickle.loads', 'pickle.loads'],
  ['_pickle.load', 'pickle.load'],
  ['dill.loads', 'dill.loads'],
  ['dill.load', 'dill.load'],
  ['dill._dill.loads', 'dill.loads'],
  ['dill._dill.load', 'dill.load'],
  ['cloudpickle.loads', 'cloudpickle.loads'],
  ['cloudpickle.load', 'cloudpickle.load'],
  ['torch.load', 'torch.load'],
  ['torch.serialization.load', 'torch.load'],
  ['torch.serialization._load', 'torch.load'],
  ['torch.jit.load', 'torch.jit.load'],
  ['torch.storage._load_from_bytes', '_load_from_bytes'],
  ['numpy.load', 'numpy.load'],
  ['numpy.loads', 'numpy.loads'],
  ['numpy.core.multiarray.loads', 'numpy.loads'],
  ['numpy.core.numeric.loads', 'numpy.loads'],
  ['joblib.load', 'joblib.load'],
  ['joblib.numpy_pickle.load', 'joblib.load'],
  ['pandas.read_pickle', 'pandas.read_pickle'],
  ['pandas.io.pickle.read_pickle', 'pandas.read_pickle'],
  ['marshal.loads', 'marshal.loads'],
  ['shelve.open', 'shelve.open'],
]);

/**
 * The one loader legitimate files call: legacy torch.save wrote each storage of a pickled module
 * as `torch.storage._load_from_bytes(b'<torch.save stream>')`. Allowed only with a literal argument.
 */
export const CONDITIONAL_LOADER = 'torch.storage._load_from_bytes';

/** joblib's array placeholder; BUILD on it is followed by the array data. */
export const JOBLIB_WRAPPERS: ReadonlySet<string> = new Set([
  'joblib.numpy_pickle.NumpyArrayWrapper',
  'sklearn.externals.joblib.numpy_pickle.NumpyArrayWrapper',
]);
