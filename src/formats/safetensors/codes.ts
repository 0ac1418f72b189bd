import type { CodeTable } from '../../core/finding.js';

export const SAFETENSORS_CODES = {
  SAFETENSORS_TOO_SMALL: { severity: 'high', title: 'File is shorter than the 8-byte header length prefix', incomplete: true },
  SAFETENSORS_HEADER_TOO_LARGE: { severity: 'high', title: 'Declared header length exceeds the header size limit', incomplete: true },
  SAFETENSORS_HEADER_BEYOND_FILE: { severity: 'high', title: 'Declared header length runs past the end of the file', incomplete: true },
  SAFETENSORS_HEADER_NOT_UTF8: { severity: 'high', title: 'Header bytes are not valid UTF-8', incomplete: true },
  SAFETENSORS_HEADER_INVALID_JSON: { severity: 'high', title: 'Header is not valid JSON', incomplete: true },
  SAFETENSORS_HEADER_NOT_OBJECT: { severity: 'high', title: 'Header JSON is not an object', incomplete: true },
  SAFETENSORS_HEADER_NONCANONICAL: { severity: 'medium', title: 'Header has whitespace other than trailing space padding' },
  SAFETENSORS_DUPLICATE_KEY: { severity: 'high', title: 'Header repeats a JSON key (parsers disagree on which one wins)', incomplete: true },
  SAFETENSORS_METADATA_INVALID: { severity: 'high', title: '__metadata__ is not a map of strings to strings', incomplete: true },
  SAFETENSORS_TENSOR_INVALID: { severity: 'high', title: 'Tensor entry is not an object with dtype, shape and data_offsets', incomplete: true },
  SAFETENSORS_TENSOR_EXTRA_KEY: { severity: 'high', title: 'Tensor entry has keys other than dtype, shape and data_offsets', incomplete: true },
  SAFETENSORS_UNKNOWN_DTYPE: { severity: 'high', title: 'Tensor dtype is not one the format defines', incomplete: true },
  SAFETENSORS_SHAPE_INVALID: { severity: 'high', title: 'Tensor shape is not a list of non-negative integers', incomplete: true },
  SAFETENSORS_OFFSETS_INVALID: { severity: 'high', title: 'data_offsets is not a [begin, end] pair of integers with begin <= end', incomplete: true },
  SAFETENSORS_SIZE_OVERFLOW: { severity: 'high', title: 'Shape times element size overflows 64 bits', incomplete: true },
  SAFETENSORS_SUBBYTE_MISALIGNED: { severity: 'high', title: 'Sub-byte tensor does not fill a whole number of bytes', incomplete: true },
  SAFETENSORS_SIZE_MISMATCH: { severity: 'high', title: 'Tensor byte range does not match shape times element size', incomplete: true },
  SAFETENSORS_DATA_NOT_AT_ZERO: { severity: 'high', title: 'First tensor does not start at offset 0 of the data buffer', incomplete: true },
  SAFETENSORS_DATA_GAP: { severity: 'high', title: 'Unreferenced bytes between two tensors', incomplete: true },
  SAFETENSORS_DATA_OVERLAP: { severity: 'high', title: 'Two tensors share bytes', incomplete: true },
  SAFETENSORS_TRAILING_BYTES: { severity: 'high', title: 'Bytes after the last tensor are not covered by any tensor', incomplete: true },
  SAFETENSORS_BUFFER_SHORT: { severity: 'high', title: 'Tensors reach past the end of the file (truncated)', incomplete: true },
} as const satisfies CodeTable;

export type SafetensorsCode = keyof typeof SAFETENSORS_CODES;
