import type { Finding } from '../core/finding.js';
import type { ByteSource } from '../core/source.js';

/** Every format the formats stage can name. Stable: appears in JSON reports as files[].format. */
export type FormatId =
  | 'pickle'
  | 'pytorch-zip'
  | 'pytorch-legacy'
  | 'pytorch-tar'
  | 'torchscript'
  | 'zip'
  | 'tar'
  | '7z'
  | 'gzip'
  | 'bzip2'
  | 'xz'
  | 'zlib'
  | 'lz4'
  | 'numpy'
  | 'npz'
  | 'safetensors'
  | 'onnx'
  | 'onnx-external-data'
  | 'gguf'
  | 'hdf5'
  | 'keras'
  | 'tflite'
  | 'json'
  | 'text'
  | 'python'
  | 'image'
  | 'empty'
  | 'unknown';

/** Hard bounds every parser honours; exceeding one is a finding, never a hang or an OOM. */
export interface ScanLimits {
  /** Largest pickle stream (bytes) read into memory for analysis. */
  maxPickleBytes: number;
  /** Opcodes executed per pickle before giving up. */
  maxPickleOps: number;
  /** Nesting depth of archives / nested pickles. */
  maxDepth: number;
  /** Largest total bytes inflated from one compressed wrapper or archive entry. */
  maxInflateBytes: number;
  /** Largest ratio uncompressed/compressed tolerated before flagging a bomb. */
  maxCompressionRatio: number;
  /** Largest number of archive entries. */
  maxEntries: number;
  /** Largest header (safetensors JSON, npy header, ONNX protobuf outside tensor data) in bytes. */
  maxHeaderBytes: number;
}

export const DEFAULT_LIMITS: ScanLimits = {
  maxPickleBytes: 1024 * 1024 * 1024,
  maxPickleOps: 50_000_000,
  maxDepth: 8,
  maxInflateBytes: 2 * 1024 * 1024 * 1024,
  maxCompressionRatio: 200,
  maxEntries: 100_000,
  maxHeaderBytes: 100 * 1024 * 1024,
};

/**
 * What one parser learned about one byte source. `facts` is format-specific plain data
 * (each format module exports its own facts interface); `children` are nested payloads
 * (archive entries, decompressed bodies, embedded pickles) scanned through `scanNested`.
 */
export interface FormatReport<F extends object = Record<string, unknown>> {
  format: FormatId;
  facts: F;
  findings: Finding[];
  children: NestedReport[];
}

export interface NestedReport {
  /** Entry name or payload label, e.g. "archive/data.pkl" or "_load_from_bytes#3". */
  label: string;
  report: FormatReport;
}

/** Passed to every parser: where it is, the limits, and a way to scan nested payloads. */
export interface ScanContext {
  /** Path of the top-level file, relative to the scanned target (used in findings). */
  readonly file: string;
  /** Nesting path inside that file (archive entries, nested payloads); [] at the top. */
  readonly location: readonly string[];
  readonly depth: number;
  readonly limits: ScanLimits;
  /**
   * Absolute path of the folder that holds the top-level file and of the target root,
   * for formats that reference sibling files (ONNX external data). Undefined for nested payloads.
   */
  readonly disk?: { absPath: string; root: string; allowedRoots?: readonly string[] };
  /**
   * Detects the format of `source` by content and scans it with the matching parser.
   * `label` is appended to `location`. `nameHint` (an entry name) only feeds the
   * extension/content mismatch check, never the choice of parser.
   * Never throws: depth overflow and parser crashes come back as findings.
   */
  scanNested(source: ByteSource, label: string, nameHint?: string): Promise<FormatReport>;
}

/** A parser for one format. `scan` must never throw for bad input: it returns findings. */
export interface FormatScanner<F extends object = Record<string, unknown>> {
  readonly format: FormatId;
  scan(source: ByteSource, ctx: ScanContext): Promise<FormatReport<F>>;
}
