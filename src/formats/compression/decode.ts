/** What a decoder tells the wrapper scanner besides the bytes it pushed into the output. */
export interface DecodeResult {
  error?: string;
  unsupported?: string;
  /** Offset of bytes after the end of the compressed stream(s). */
  trailingOffset?: number;
  members?: number;
}
