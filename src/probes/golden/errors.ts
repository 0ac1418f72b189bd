/** Stable codes of golden-set failures; each message is one line naming the file and the reason. */
export type GoldenSetErrorCode =
  | 'GOLDEN_NOT_FOUND'
  | 'GOLDEN_UNSUPPORTED'
  | 'GOLDEN_ARCHIVE_INVALID'
  | 'GOLDEN_MEMBER_MISSING'
  | 'GOLDEN_NPY_INVALID'
  | 'GOLDEN_SAFETENSORS_INVALID'
  | 'GOLDEN_OBJECT_ARRAY'
  | 'GOLDEN_DTYPE_UNSUPPORTED'
  | 'GOLDEN_SHAPE_INVALID'
  | 'GOLDEN_TOO_LARGE'
  | 'GOLDEN_NONFINITE'
  | 'GOLDEN_LABEL_INVALID'
  | 'GOLDEN_PROFILE_MISMATCH';

export class GoldenSetError extends Error {
  override name = 'GoldenSetError';
  constructor(
    readonly code: GoldenSetErrorCode,
    message: string,
  ) {
    super(message.replace(/[\r\n]+/g, ' '));
  }
}

/** Largest array (bytes, as stored) the loader reads; a golden set is a few thousand samples. */
export const MAX_ARRAY_BYTES = 512 * 1024 * 1024;
/** Largest .npy or safetensors header read. */
export const MAX_HEADER_BYTES = 1024 * 1024;
