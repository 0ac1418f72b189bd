import { compressionScanners } from './compression/index.js';
import { ggufScanner } from './gguf/index.js';
import { hdf5Scanner } from './keras/index.js';
import { emptyScanner, imageScanner, unknownScanner } from './misc/simple.js';
import { jsonScanner, pythonScanner, textScanner } from './misc/text.js';
import { numpyScanner } from './numpy/index.js';
import { onnxScanner } from './onnx/index.js';
import { pickleScanner } from './pickle/index.js';
import { safetensorsScanner } from './safetensors/index.js';
import { sevenZipScanner } from './sevenzip/index.js';
import { tarScanner } from './tar/index.js';
import { tfliteScanner } from './tflite/index.js';
import { torchLegacyScanner } from './torch/legacy.js';
import type { FormatId, FormatScanner } from './types.js';
import { zipScanner } from './zip/index.js';

type AnyScanner = FormatScanner<object>;

/** Which parser reads each detected format. Zip-based and tar-based kinds are refined by their scanner. */
const SCANNERS: Partial<Record<FormatId, AnyScanner>> = {
  pickle: pickleScanner,
  'pytorch-legacy': torchLegacyScanner,
  zip: zipScanner,
  tar: tarScanner,
  '7z': sevenZipScanner,
  gzip: compressionScanners.gzip,
  bzip2: compressionScanners.bzip2,
  xz: compressionScanners.xz,
  zlib: compressionScanners.zlib,
  lz4: compressionScanners.lz4,
  numpy: numpyScanner,
  safetensors: safetensorsScanner,
  onnx: onnxScanner,
  gguf: ggufScanner,
  hdf5: hdf5Scanner,
  tflite: tfliteScanner,
  json: jsonScanner,
  text: textScanner,
  python: pythonScanner,
  image: imageScanner,
  empty: emptyScanner,
  unknown: unknownScanner,
};

export function scannerFor(format: FormatId): AnyScanner {
  return SCANNERS[format] ?? unknownScanner;
}
