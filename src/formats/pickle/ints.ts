import { PUnknown, type Value } from './values.js';

const MAX_DECODED_LONG_BYTES = 4096;

/** LONG1/LONG4 payload: little-endian two's complement, as a number when it is a safe integer. */
export function decodeLong(bytes: Uint8Array, at: number, n: number): Value {
  if (n === 0) return 0;
  if (n <= 6) {
    let v = 0;
    for (let i = n - 1; i >= 0; i--) v = v * 256 + bytes[at + i]!;
    if (bytes[at + n - 1]! & 0x80) v -= 2 ** (8 * n);
    return v;
  }
  if (n > MAX_DECODED_LONG_BYTES) return new PUnknown(`${n}-byte integer`);
  let hex = '';
  for (let i = n - 1; i >= 0; i--) hex += bytes[at + i]!.toString(16).padStart(2, '0');
  let v = BigInt(`0x${hex}`);
  if (bytes[at + n - 1]! & 0x80) v -= 1n << BigInt(8 * n);
  return Number.isSafeInteger(Number(v)) && v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

export function intValue(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}
