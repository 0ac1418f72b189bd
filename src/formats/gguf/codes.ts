import type { CodeTable } from '../../core/finding.js';

export const GGUF_CODES = {
  GGUF_CHAT_TEMPLATE: { severity: 'info', title: 'Model ships a Jinja2 chat template (rendered by loaders); no injection pattern found' },
  GGUF_CHAT_TEMPLATE_INJECTION: { severity: 'high', title: 'Chat template reaches Python internals (Jinja2 SSTI sandbox-escape pattern)' },
  GGUF_BAD_MAGIC: { severity: 'high', title: 'File does not start with the GGUF magic', incomplete: true },
  GGUF_UNSUPPORTED_VERSION: { severity: 'high', title: 'GGUF version is not 1, 2 or 3', incomplete: true },
  GGUF_TRUNCATED: { severity: 'high', title: 'File ends inside the header, metadata, tensor infos or tensor data', incomplete: true },
  GGUF_COUNT_IMPLAUSIBLE: { severity: 'high', title: 'Tensor or metadata count cannot fit in the file', incomplete: true },
  GGUF_METADATA_INVALID: { severity: 'high', title: 'Metadata value has an unknown type, an oversized length or bad nesting', incomplete: true },
  GGUF_DUPLICATE_KEY: { severity: 'high', title: 'Metadata key appears twice (readers disagree on which wins)', incomplete: true },
  GGUF_ALIGNMENT_INVALID: { severity: 'high', title: 'general.alignment is not a non-zero power-of-two uint32', incomplete: true },
  GGUF_TENSOR_INVALID: { severity: 'high', title: 'Tensor info has too many dims, an overflowing shape or a shape not divisible by its block size', incomplete: true },
  GGUF_UNKNOWN_TENSOR_TYPE: { severity: 'high', title: 'Tensor uses a ggml type that current ggml does not define', incomplete: true },
  GGUF_DUPLICATE_TENSOR: { severity: 'high', title: 'Two tensors share a name', incomplete: true },
  GGUF_TENSOR_OFFSET: { severity: 'high', title: 'Tensor data offset is not where the aligned, contiguous layout puts it', incomplete: true },
  GGUF_TRAILING_DATA: { severity: 'low', title: 'Bytes follow the last tensor (beyond alignment padding)' },
} as const satisfies CodeTable;

export type GgufCode = keyof typeof GGUF_CODES;
