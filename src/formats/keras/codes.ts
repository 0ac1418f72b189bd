import type { CodeTable } from '../../core/finding.js';

export const KERAS_CODES = {
  KERAS_LAMBDA_LAYER: { severity: 'critical', title: 'Lambda layer: Keras runs its marshalled Python bytecode or referenced function on load' },
  KERAS_DANGEROUS_MODULE: { severity: 'critical', title: 'Config makes Keras import a callable from a system module (os, subprocess, builtins, ...)' },
  KERAS_UNSAFE_CALLABLE: { severity: 'critical', title: 'Config calls a Keras function that disables safe mode or touches files/network' },
  KERAS_CUSTOM_OBJECT: { severity: 'medium', title: 'Config imports or registers an object outside the keras/tensorflow namespaces' },
  KERAS_TFOP_LAMBDA: { severity: 'low', title: 'TFOpLambda layer calls a TensorFlow API symbol' },
  KERAS_TFOP_LAMBDA_RISKY: { severity: 'high', title: 'TFOpLambda layer calls a TensorFlow file, Python-callback or raw op' },
  KERAS_CONFIG_INVALID: { severity: 'high', title: 'Keras model config is not a JSON object the scanner can read', incomplete: true },
  KERAS_CONFIG_TOO_LARGE: { severity: 'high', title: 'Keras model config nests too deeply or holds too many nodes to analyse', incomplete: true },
} as const satisfies CodeTable;

export const HDF5_CODES = {
  HDF5_MALFORMED: { severity: 'high', title: 'HDF5 structure is truncated, out of bounds or inconsistent', incomplete: true },
  HDF5_UNSUPPORTED: { severity: 'high', title: 'HDF5 superblock or object header version is not one the scanner reads', incomplete: true },
  HDF5_UNVERIFIED: { severity: 'medium', title: 'Root attributes could not be fully read: a Keras Lambda layer cannot be ruled out', incomplete: true },
  HDF5_DUPLICATE_ATTRIBUTE: { severity: 'high', title: 'Root group holds two attributes with the same name' },
  HDF5_NO_MODEL_CONFIG: { severity: 'info', title: 'HDF5 file has no Keras model_config (data or weights only)' },
} as const satisfies CodeTable;

export type KerasCode = keyof typeof KERAS_CODES;
export type Hdf5Code = keyof typeof HDF5_CODES;
