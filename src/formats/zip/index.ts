import type { FormatScanner } from '../types.js';
import type { ZipFacts } from './facts.js';
import { scanZip } from './scan.js';

export type { ZipEntryFact, ZipFacts, ZipLayout } from './facts.js';
export { ZIP_CODES } from './codes.js';
export { readZip, openMember, type ZipArchive, type ZipMember } from './reader.js';
export { sniffKind, type ContentKind } from './sniff.js';
export { inflatingSource, type InflatingSource } from './inflate-source.js';

/** Zip archives and everything built on them; report.format is the classification (pytorch-zip, torchscript, npz, keras, zip). */
export const zipScanner: FormatScanner<ZipFacts> = { format: 'zip', scan: scanZip };
