import type { FormatId } from './types.js';

const TORCH_LIKE: FormatId[] = ['pytorch-zip', 'pytorch-legacy', 'pytorch-tar', 'torchscript', 'pickle', 'zip'];
const COMPRESSED: FormatId[] = ['gzip', 'bzip2', 'xz', 'zlib', 'lz4'];

/**
 * What each extension promises. Extensions missing here (".bin", no extension, ...) promise nothing.
 * `dataOnly` marks formats users pick because they cannot carry code.
 */
const EXPECTED: Record<string, { formats: FormatId[]; dataOnly: boolean }> = {
  safetensors: { formats: ['safetensors'], dataOnly: true },
  onnx: { formats: ['onnx'], dataOnly: true },
  ort: { formats: ['unknown'], dataOnly: true },
  npy: { formats: ['numpy'], dataOnly: true },
  npz: { formats: ['npz', 'zip'], dataOnly: true },
  gguf: { formats: ['gguf'], dataOnly: true },
  ggml: { formats: ['unknown'], dataOnly: true },
  h5: { formats: ['hdf5', 'keras'], dataOnly: true },
  hdf5: { formats: ['hdf5', 'keras'], dataOnly: true },
  keras: { formats: ['keras', 'zip', 'hdf5'], dataOnly: false },
  tflite: { formats: ['tflite'], dataOnly: true },
  json: { formats: ['json', 'text'], dataOnly: true },
  txt: { formats: ['text', 'json', 'empty'], dataOnly: true },
  md: { formats: ['text', 'empty'], dataOnly: true },
  model: { formats: ['unknown', 'text'], dataOnly: true },
  png: { formats: ['image'], dataOnly: true },
  jpg: { formats: ['image'], dataOnly: true },
  jpeg: { formats: ['image'], dataOnly: true },
  pt: { formats: TORCH_LIKE, dataOnly: false },
  pth: { formats: TORCH_LIKE, dataOnly: false },
  ckpt: { formats: TORCH_LIKE, dataOnly: false },
  ptl: { formats: ['torchscript', 'zip'], dataOnly: false },
  pkl: { formats: ['pickle', 'pytorch-legacy', ...COMPRESSED], dataOnly: false },
  pickle: { formats: ['pickle', 'pytorch-legacy', ...COMPRESSED], dataOnly: false },
  joblib: { formats: ['pickle', ...COMPRESSED], dataOnly: false },
  dill: { formats: ['pickle'], dataOnly: false },
  zip: { formats: ['zip', 'pytorch-zip', 'torchscript', 'npz', 'keras'], dataOnly: false },
  tar: { formats: ['tar', 'pytorch-tar'], dataOnly: false },
  gz: { formats: ['gzip'], dataOnly: false },
  gzip: { formats: ['gzip'], dataOnly: false },
  bz2: { formats: ['bzip2'], dataOnly: false },
  xz: { formats: ['xz'], dataOnly: false },
  lz4: { formats: ['lz4'], dataOnly: false },
  '7z': { formats: ['7z'], dataOnly: false },
  py: { formats: ['python'], dataOnly: false },
};

/** Formats whose loading can run code (unpickling, TorchScript). */
const CODE_CAPABLE = new Set<FormatId>(['pickle', 'pytorch-zip', 'pytorch-legacy', 'pytorch-tar', 'torchscript', 'zip', 'tar', '7z', ...COMPRESSED]);

export type ExtensionCheck = { ok: true } | { ok: false; extension: string; expected: FormatId[]; disguisedCode: boolean };

export function checkExtension(name: string, format: FormatId): ExtensionCheck {
  const base = name.split('/').pop() ?? name;
  const dot = base.lastIndexOf('.');
  if (dot <= 0) return { ok: true };
  const extension = base.slice(dot + 1).toLowerCase();
  const expected = EXPECTED[extension];
  if (!expected || expected.formats.includes(format)) return { ok: true };
  return { ok: false, extension, expected: expected.formats, disguisedCode: expected.dataOnly && CODE_CAPABLE.has(format) };
}
