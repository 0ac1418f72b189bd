import type { TorchZipFacts } from '../torch/zip-checks.js';

export type ZipLayout = 'pytorch-zip' | 'torchscript' | 'npz' | 'keras' | 'zip';

export interface ZipEntryFact {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  offset: number;
  /** Nested report format, 'storage' (raw tensor bytes, sniffed only), 'directory' or 'unreadable'. */
  kind: string;
  /** true/false once verified; absent when the entry was too big to verify or unreadable. */
  crcOk?: boolean;
}

export interface ZipFacts {
  layout: ZipLayout;
  entries: ZipEntryFact[];
  zip64: boolean;
  commentBytes: number;
  prefixBytes: number;
  torch?: TorchZipFacts;
  keras?: Record<string, unknown>;
}
