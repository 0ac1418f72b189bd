/**
 * A bounded reader for the parts of HDF5 a Keras .h5 file needs: the superblock (versions 0-3),
 * the root group's object header (v1 and v2, with continuation blocks) and its compact attribute
 * messages, including variable-length strings held in a global heap. It follows no user-controlled
 * pointer without a bounds check and visits each continuation block at most once.
 */
import { FormatError } from '../../core/errors.js';
import type { ByteSource } from '../../core/source.js';

export const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

export interface Superblock {
  offset: number;
  version: number;
  sizeOfOffsets: number;
  sizeOfLengths: number;
  baseAddress: number;
  rootObjectHeader: number;
}

export interface RootAttribute {
  name: string;
  /** Decoded string value, when the attribute is a single string. */
  text?: string;
  /** Why the value could not be decoded (shared datatype, unsupported class, ...). */
  undecodable?: string;
}

export interface RootAttributes {
  attributes: RootAttribute[];
  /** Reasons some attributes may exist that were not read (dense storage, shared messages). */
  unread: string[];
  objectHeaderVersion: number;
}

const MAX_BLOCKS = 256;
const MAX_MESSAGES = 65_536;
const MAX_ATTRIBUTE_BYTES = 64 * 1024 * 1024;

const malformed = (message: string, offset?: number): never => {
  throw new FormatError('HDF5_MALFORMED', message, offset);
};

export function signatureAt(bytes: Uint8Array, at: number): boolean {
  return HDF5_SIGNATURE.every((b, i) => bytes[at + i] === b);
}

class Bytes {
  readonly view: DataView;
  constructor(
    readonly data: Uint8Array,
    readonly base: number,
  ) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }
  need(at: number, n: number) {
    if (at < 0 || at + n > this.data.length) malformed(`structure runs past its block`, this.base + at);
  }
  u8(at: number) {
    this.need(at, 1);
    return this.view.getUint8(at);
  }
  u16(at: number) {
    this.need(at, 2);
    return this.view.getUint16(at, true);
  }
  u32(at: number) {
    this.need(at, 4);
    return this.view.getUint32(at, true);
  }
  /** An unsigned little-endian integer of `size` bytes; all-ones (the "undefined address") gives -1. */
  uint(at: number, size: number): number {
    this.need(at, size);
    let value = 0n;
    let allOnes = true;
    for (let i = size - 1; i >= 0; i--) {
      const b = this.data[at + i]!;
      if (b !== 0xff) allOnes = false;
      value = (value << 8n) | BigInt(b);
    }
    if (allOnes) return -1;
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) malformed('address beyond 2^53', this.base + at);
    return Number(value);
  }
  slice(at: number, n: number): Uint8Array {
    this.need(at, n);
    return this.data.subarray(at, at + n);
  }
}

async function readBlock(source: ByteSource, at: number, length: number): Promise<Bytes> {
  if (at < 0 || length < 0 || at + length > source.size) malformed(`block [${at}, ${at + length}) lies outside the ${source.size}-byte file`, at);
  const data = await source.read(at, length);
  if (data.length < length) malformed('short read', at);
  return new Bytes(data, at);
}

/** The superblock search rule: offset 0, then 512, 1024, 2048, ... */
export async function findSuperblock(source: ByteSource): Promise<Superblock | undefined> {
  for (let at = 0; at + 8 <= source.size; at = at === 0 ? 512 : at * 2) {
    const sig = await source.read(at, 8);
    if (signatureAt(sig, 0)) return readSuperblock(source, at);
  }
  return undefined;
}

async function readSuperblock(source: ByteSource, at: number): Promise<Superblock> {
  const b = await readBlock(source, at, Math.min(source.size - at, 128));
  const version = b.u8(8);
  if (version > 3) throw new FormatError('HDF5_UNSUPPORTED', `superblock version ${version}`, at + 8);
  const sizeOfOffsets = version < 2 ? b.u8(13) : b.u8(9);
  const sizeOfLengths = version < 2 ? b.u8(14) : b.u8(10);
  if (![2, 4, 8].includes(sizeOfOffsets) || ![2, 4, 8].includes(sizeOfLengths)) malformed(`offset/length sizes ${sizeOfOffsets}/${sizeOfLengths}`, at + 9);
  const O = sizeOfOffsets;
  let baseAddress: number;
  let root: number;
  if (version < 2) {
    const start = version === 0 ? 24 : 28;
    baseAddress = b.uint(start, O);
    // base, free-space, EOF, driver; then the root symbol table entry: link name offset, header address.
    root = b.uint(start + 4 * O + O, O);
  } else {
    baseAddress = b.uint(12, O);
    root = b.uint(12 + 3 * O, O);
  }
  // Like libhdf5, trust where the superblock was found over a stored base address that disagrees.
  if (baseAddress !== at) baseAddress = at;
  if (root < 0) malformed('root object header address is undefined', at);
  return { offset: at, version, sizeOfOffsets, sizeOfLengths: sizeOfLengths, baseAddress, rootObjectHeader: baseAddress + root };
}

interface Message {
  type: number;
  flags: number;
  body: Bytes;
}

/** Every message of the object header at `address`, following continuation blocks. */
async function readMessages(source: ByteSource, sb: Superblock, address: number): Promise<{ version: number; messages: Message[] }> {
  const messages: Message[] = [];
  const visited = new Set<number>();
  const first = await readBlock(source, address, Math.min(16, source.size - address));
  const isV2 = first.data.length >= 4 && first.data[0] === 0x4f && first.data[1] === 0x48 && first.data[2] === 0x44 && first.data[3] === 0x52; // OHDR
  const queue: Array<{ at: number; length: number; kind: 'v1' | 'v2' | 'v2-cont' }> = [];
  let v2Flags = 0;

  if (isV2) {
    const head = await readBlock(source, address, Math.min(source.size - address, 32));
    if (head.u8(4) !== 2) throw new FormatError('HDF5_UNSUPPORTED', `object header version ${head.u8(4)}`, address + 4);
    v2Flags = head.u8(5);
    let at = 6 + (v2Flags & 0x20 ? 16 : 0) + (v2Flags & 0x10 ? 4 : 0);
    const width = 1 << (v2Flags & 0x03);
    const chunk = head.uint(at, width);
    at += width;
    queue.push({ at: address + at, length: chunk, kind: 'v2' });
  } else {
    const version = first.u8(0);
    if (version !== 1) throw new FormatError('HDF5_UNSUPPORTED', `object header version ${version}`, address);
    queue.push({ at: address + 16, length: first.u32(8), kind: 'v1' });
  }

  while (queue.length > 0) {
    const block = queue.shift()!;
    if (visited.has(block.at)) malformed('object header continuation loops', block.at);
    visited.add(block.at);
    if (visited.size > MAX_BLOCKS) malformed(`more than ${MAX_BLOCKS} object header blocks`, block.at);
    const b = await readBlock(source, block.at, block.length);
    let pos = 0;
    let end = block.length;
    if (block.kind === 'v2-cont') {
      if (b.u32(0) !== 0x4b48434f) malformed('continuation block lacks its OCHK signature', block.at); // "OCHK"
      pos = 4;
      end -= 4; // checksum
    }
    const headerSize = block.kind === 'v1' ? 8 : 4 + (v2Flags & 0x04 ? 2 : 0);
    while (pos + headerSize <= end) {
      const type = block.kind === 'v1' ? b.u16(pos) : b.u8(pos);
      const size = block.kind === 'v1' ? b.u16(pos + 2) : b.u16(pos + 1);
      const flags = block.kind === 'v1' ? b.u8(pos + 4) : b.u8(pos + 3);
      const dataAt = pos + headerSize;
      if (dataAt + size > end) malformed(`message of ${size} bytes overruns its block`, block.at + pos);
      if (messages.length >= MAX_MESSAGES) malformed('too many object header messages', block.at + pos);
      const body = new Bytes(b.slice(dataAt, size), block.at + dataAt);
      messages.push({ type, flags, body });
      if (type === 0x10) {
        const O = sb.sizeOfOffsets;
        const contAt = body.uint(0, O);
        const contLength = body.uint(O, sb.sizeOfLengths);
        if (contAt < 0 || contLength <= 0) malformed('continuation message with an undefined block', body.base);
        queue.push({ at: sb.baseAddress + contAt, length: contLength, kind: isV2 ? 'v2-cont' : 'v1' });
      }
      pos = dataAt + size;
      if (block.kind === 'v1') pos = (pos + 7) & ~7;
    }
  }
  return { version: isV2 ? 2 : 1, messages };
}

const pad8 = (n: number) => (n + 7) & ~7;

/** Reads the root group's attributes. Throws FormatError for structural damage. */
export async function readRootAttributes(source: ByteSource, sb: Superblock): Promise<RootAttributes> {
  const { version, messages } = await readMessages(source, sb, sb.rootObjectHeader);
  const attributes: RootAttribute[] = [];
  const unread: string[] = [];
  for (const m of messages) {
    if (m.type === 0x15) {
      // Attribute info: a defined fractal heap address means dense attribute storage.
      const flags = m.body.u8(1);
      const heap = m.body.uint(2 + (flags & 0x01 ? 2 : 0), sb.sizeOfOffsets);
      if (heap >= 0) unread.push('attributes in dense storage (fractal heap)');
    }
    if (m.type !== 0x0c) continue;
    if (m.flags & 0x02) {
      unread.push('shared attribute message');
      continue;
    }
    attributes.push(await readAttribute(source, sb, m.body));
  }
  return { attributes, unread, objectHeaderVersion: version };
}

async function readAttribute(source: ByteSource, sb: Superblock, b: Bytes): Promise<RootAttribute> {
  const version = b.u8(0);
  if (version < 1 || version > 3) throw new FormatError('HDF5_UNSUPPORTED', `attribute message version ${version}`, b.base);
  const flags = version === 1 ? 0 : b.u8(1);
  const nameSize = b.u16(2);
  const typeSize = b.u16(4);
  const spaceSize = b.u16(6);
  let at = version === 3 ? 9 : 8;
  const padded = (n: number) => (version === 1 ? pad8(n) : n);
  const rawName = b.slice(at, nameSize);
  const nul = rawName.indexOf(0);
  const name = new TextDecoder('utf-8').decode(nul >= 0 ? rawName.subarray(0, nul) : rawName);
  at += padded(nameSize);
  const type = new Bytes(b.slice(at, typeSize), b.base + at);
  at += padded(typeSize);
  const space = new Bytes(b.slice(at, spaceSize), b.base + at);
  at += padded(spaceSize);
  if (flags & 0x03) return { name, undecodable: 'shared datatype or dataspace' };

  const count = dataspaceCount(space, sb);
  const typeClass = type.u8(0) & 0x0f;
  const elementSize = type.u32(4);
  if (count !== 1) return { name, undecodable: `${count} elements` };
  if (typeClass === 3) {
    const data = b.slice(at, elementSize);
    const padding = type.u8(1) & 0x0f;
    return { name, text: decodeFixedString(data, padding) };
  }
  if (typeClass === 9 && (type.u8(1) & 0x0f) === 1) {
    const length = b.u32(at);
    const collection = b.uint(at + 4, sb.sizeOfOffsets);
    const index = b.u32(at + 4 + sb.sizeOfOffsets);
    if (length > MAX_ATTRIBUTE_BYTES) malformed(`variable-length string of ${length} bytes`, b.base + at);
    if (collection < 0) return { name, text: '' };
    const bytes = await readGlobalHeapObject(source, sb, sb.baseAddress + collection, index);
    if (bytes.length < length) malformed('global heap object shorter than its string', sb.baseAddress + collection);
    return { name, text: new TextDecoder('utf-8').decode(bytes.subarray(0, length)) };
  }
  return { name, undecodable: `datatype class ${typeClass}` };
}

function dataspaceCount(space: Bytes, sb: Superblock): number {
  const version = space.u8(0);
  const rank = space.u8(1);
  if (version === 2 && space.u8(3) === 2) return 0; // null dataspace
  if (version !== 1 && version !== 2) throw new FormatError('HDF5_UNSUPPORTED', `dataspace version ${version}`, space.base);
  const start = version === 1 ? 8 : 4;
  let count = 1;
  for (let i = 0; i < rank; i++) count *= space.uint(start + i * sb.sizeOfLengths, sb.sizeOfLengths);
  return count;
}

function decodeFixedString(data: Uint8Array, padding: number): string {
  let end = data.length;
  if (padding === 2) {
    while (end > 0 && data[end - 1] === 0x20) end--;
  } else {
    const nul = data.indexOf(0);
    if (nul >= 0) end = nul;
  }
  return new TextDecoder('utf-8').decode(data.subarray(0, end));
}

async function readGlobalHeapObject(source: ByteSource, sb: Superblock, at: number, index: number): Promise<Uint8Array> {
  const L = sb.sizeOfLengths;
  const head = await readBlock(source, at, 8 + L);
  if (head.u32(0) !== 0x4c4f4347) malformed('global heap collection lacks its GCOL signature', at); // "GCOL"
  const size = head.uint(8, L);
  if (size > MAX_ATTRIBUTE_BYTES + 4096) malformed(`global heap collection of ${size} bytes`, at);
  const heap = await readBlock(source, at, size);
  let pos = 8 + L;
  while (pos + 8 + L <= size) {
    const id = heap.u16(pos);
    const objectSize = heap.uint(pos + 8, L);
    if (id === 0) break;
    if (objectSize < 0) malformed('global heap object with undefined size', at + pos);
    if (id === index) return heap.slice(pos + 8 + L, objectSize);
    pos += 8 + L + pad8(objectSize);
  }
  return malformed(`global heap object ${index} not found`, at);
}
