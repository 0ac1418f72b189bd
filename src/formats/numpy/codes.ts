import type { CodeTable } from '../../core/finding.js';

export const NUMPY_CODES = {
  NUMPY_OBJECT_DTYPE: { severity: 'medium', title: 'Array has an object dtype: np.load(allow_pickle=True) unpickles the body' },
  NUMPY_BAD_MAGIC: { severity: 'high', title: 'File does not start with the \\x93NUMPY magic', incomplete: true },
  NUMPY_UNSUPPORTED_VERSION: { severity: 'high', title: 'Format version is not 1.0, 2.0 or 3.0', incomplete: true },
  NUMPY_TRUNCATED_HEADER: { severity: 'high', title: 'Header length runs past the end of the file', incomplete: true },
  NUMPY_HEADER_TOO_LARGE: { severity: 'high', title: 'Header length exceeds the header size limit', incomplete: true },
  NUMPY_HEADER_ENCODING: { severity: 'high', title: 'Header is not valid in its declared encoding', incomplete: true },
  NUMPY_HEADER_INVALID: { severity: 'high', title: 'Header is not a Python dict literal numpy would accept', incomplete: true },
  NUMPY_HEADER_KEYS: { severity: 'high', title: 'Header dict keys are not exactly descr, fortran_order, shape', incomplete: true },
  NUMPY_HEADER_NONCANONICAL: { severity: 'low', title: 'Header is not space-padded to 16/64-byte alignment or lacks its final newline' },
  NUMPY_DTYPE_INVALID: { severity: 'high', title: 'descr is not a dtype the scanner can verify', incomplete: true },
  NUMPY_SHAPE_INVALID: { severity: 'high', title: 'shape is not a tuple of non-negative integers', incomplete: true },
  NUMPY_FORTRAN_ORDER_INVALID: { severity: 'high', title: 'fortran_order is not a bool', incomplete: true },
  NUMPY_TRUNCATED_DATA: { severity: 'high', title: 'Data is shorter than shape times itemsize', incomplete: true },
  NUMPY_TRAILING_DATA: { severity: 'high', title: 'Bytes follow the array data', incomplete: true },
} as const satisfies CodeTable;

export type NumpyCode = keyof typeof NUMPY_CODES;
