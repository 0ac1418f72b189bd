import type { CodeInfo, CodeTable } from './core/finding.js';
import { COMPRESSION_CODES } from './formats/compression/codes.js';
import { GGUF_CODES } from './formats/gguf/codes.js';
import { HDF5_CODES, KERAS_CODES } from './formats/keras/codes.js';
import { MISC_CODES } from './formats/misc/codes.js';
import { NUMPY_CODES } from './formats/numpy/codes.js';
import { ONNX_CODES } from './formats/onnx/codes.js';
import { PICKLE_CODES } from './formats/pickle/codes.js';
import { SAFETENSORS_CODES } from './formats/safetensors/codes.js';
import { SEVENZIP_CODES } from './formats/sevenzip/codes.js';
import { TAR_CODES } from './formats/tar/codes.js';
import { TFLITE_CODES } from './formats/tflite/codes.js';
import { TORCH_CODES } from './formats/torch/codes.js';
import { ZIP_CODES } from './formats/zip/codes.js';
import { FETCH_CODES } from './fetch/codes.js';
import { POLICY_CODES } from './policy/codes.js';
import { LOCKFILE_CODES } from './verify/codes.js';
import { SIGNATURE_CODES } from './verify/oms/codes.js';
import { ATTEST_CODES } from './attest/codes.js';
import { PROBE_CODES } from './probes/codes.js';

/** Every finding code of every stage, by group. docs/findings.md is generated from this (a test checks). */
export const CODE_TABLES: Record<string, CodeTable> = {
  files: MISC_CODES,
  pickle: PICKLE_CODES,
  zip: ZIP_CODES,
  torch: TORCH_CODES,
  tar: TAR_CODES,
  compression: COMPRESSION_CODES,
  sevenzip: SEVENZIP_CODES,
  numpy: NUMPY_CODES,
  safetensors: SAFETENSORS_CODES,
  onnx: ONNX_CODES,
  gguf: GGUF_CODES,
  keras: KERAS_CODES,
  hdf5: HDF5_CODES,
  tflite: TFLITE_CODES,
  fetch: FETCH_CODES,
  policy: POLICY_CODES,
  lockfile: LOCKFILE_CODES,
  signature: SIGNATURE_CODES,
  attestation: ATTEST_CODES,
  probes: PROBE_CODES,
};

const ALL: Map<string, CodeInfo> = new Map(Object.values(CODE_TABLES).flatMap((table) => Object.entries(table)));

export function codeInfo(code: string): CodeInfo | undefined {
  return ALL.get(code);
}

export function allCodes(): string[] {
  return [...ALL.keys()].sort();
}
