/** Bytes per element of each torch storage class as torch.save names it (`torch.FloatStorage`). */
const ELEMENT_SIZES: Record<string, number> = {
  DoubleStorage: 8,
  FloatStorage: 4,
  HalfStorage: 2,
  BFloat16Storage: 2,
  LongStorage: 8,
  IntStorage: 4,
  ShortStorage: 2,
  CharStorage: 1,
  ByteStorage: 1,
  BoolStorage: 1,
  ComplexDoubleStorage: 16,
  ComplexFloatStorage: 8,
  ComplexHalfStorage: 4,
  QUInt8Storage: 1,
  QInt8Storage: 1,
  QInt32Storage: 4,
  QUInt4x2Storage: 1,
  QUInt2x4Storage: 1,
  UntypedStorage: 1,
  UInt16Storage: 2,
  UInt32Storage: 4,
  UInt64Storage: 8,
  Float8_e4m3fnStorage: 1,
  Float8_e5m2Storage: 1,
  Float8_e4m3fnuzStorage: 1,
  Float8_e5m2fnuzStorage: 1,
  Float8_e8m0fnuStorage: 1,
};

/** Element size for `torch.FloatStorage` / `torch.cuda.FloatStorage`; undefined for anything else. */
export function storageElementSize(global: string): number | undefined {
  const match = /^torch\.(?:cuda\.)?([A-Za-z0-9_]+)$/.exec(global);
  if (!match) return undefined;
  return ELEMENT_SIZES[match[1] as string];
}
