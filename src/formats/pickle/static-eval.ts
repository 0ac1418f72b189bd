import { inflateSync } from 'node:zlib';
import { PBytes, PCall, PGlobal, type Value, sequenceItems } from './values.js';

/**
 * Evaluates the few pure, side-effect-free decoders that hide data inside a pickle
 * (base64, hex, zlib, _codecs.encode, str.join, rot13) when all their inputs are literals.
 * Nothing is executed: these are re-implementations of what the named function computes.
 */

const MAX_DEPTH = 8;
const LATIN1 = new Set(['latin1', 'latin-1', 'latin_1', 'iso-8859-1', 'iso8859-1', 'iso_8859_1', 'l1', '8859', 'cp819']);
const UTF8 = new Set(['utf-8', 'utf8', 'utf_8', 'u8']);
const BASE64 = new Set(['base64', 'base_64', 'base64_codec']);
const HEX = new Set(['hex', 'hex_codec']);
const ZLIB = new Set(['zlib', 'zip', 'zlib_codec']);
const ROT13 = new Set(['rot13', 'rot_13']);

function callOf(v: Value): { name: string; args: Value[] } | undefined {
  if (!(v instanceof PCall) || !(v.callable instanceof PGlobal)) return undefined;
  const args = sequenceItems(v.args);
  return args ? { name: v.callable.canonical, args } : undefined;
}

function latin1Bytes(s: string): Uint8Array | undefined {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) return undefined;
    out[i] = c;
  }
  return out;
}

function textOf(v: Value, depth: number): string | undefined {
  const s = staticString(v, depth);
  if (s !== undefined) return s;
  const b = staticBytes(v, depth);
  return b ? Buffer.from(b).toString('latin1') : undefined;
}

function base64(text: string, urlsafe = false): Uint8Array {
  return Buffer.from(urlsafe ? text.replace(/-/g, '+').replace(/_/g, '/') : text, 'base64');
}

function hex(text: string): Uint8Array | undefined {
  const clean = text.replace(/\s+/g, '');
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) return undefined;
  return Buffer.from(clean, 'hex');
}

function inflate(data: Uint8Array, maxBytes: number): Uint8Array | undefined {
  try {
    return inflateSync(data, { maxOutputLength: maxBytes });
  } catch (error) {
    if (error instanceof Error) return undefined; // corrupt or over the bound: not statically known
    throw error;
  }
}

const encodingOf = (v: Value | undefined, depth: number, fallback: string): string | undefined =>
  v === undefined ? fallback : staticString(v, depth)?.toLowerCase();

/** The bytes a value evaluates to, when it is a bytes literal or a decoder applied to literals. */
export function staticBytes(v: Value, depth = 0, maxBytes = 64 * 1024 * 1024): Uint8Array | undefined {
  if (v instanceof PBytes) return v.data;
  if (depth >= MAX_DEPTH) return undefined;
  const call = callOf(v);
  if (!call) return undefined;
  const [a, b] = call.args;
  if (a === undefined) return undefined;
  const next = depth + 1;
  switch (call.name) {
    case '_codecs.encode':
    case 'codecs.encode': {
      const enc = encodingOf(b, next, 'utf-8');
      const s = staticString(a, next);
      if (enc === undefined || s === undefined) return undefined;
      if (LATIN1.has(enc)) return latin1Bytes(s);
      if (UTF8.has(enc)) return new TextEncoder().encode(s);
      return undefined;
    }
    case '_codecs.decode':
    case 'codecs.decode': {
      const enc = encodingOf(b, next, 'utf-8');
      const text = textOf(a, next);
      if (enc === undefined || text === undefined) return undefined;
      if (BASE64.has(enc)) return base64(text);
      if (HEX.has(enc)) return hex(text);
      if (ZLIB.has(enc)) {
        const data = staticBytes(a, next, maxBytes);
        return data ? inflate(data, maxBytes) : undefined;
      }
      return undefined;
    }
    case 'base64.b64decode':
    case 'base64.standard_b64decode':
    case 'base64.decodebytes':
    case 'base64.decodestring':
    case 'binascii.a2b_base64': {
      const text = textOf(a, next);
      return text === undefined ? undefined : base64(text);
    }
    case 'base64.urlsafe_b64decode': {
      const text = textOf(a, next);
      return text === undefined ? undefined : base64(text, true);
    }
    case 'base64.b16decode':
    case 'binascii.unhexlify':
    case 'binascii.a2b_hex':
    case 'builtins.bytes.fromhex':
    case 'builtins.bytearray.fromhex': {
      const text = textOf(a, next);
      return text === undefined ? undefined : hex(text);
    }
    case 'zlib.decompress': {
      const data = staticBytes(a, next, maxBytes);
      return data ? inflate(data, maxBytes) : undefined;
    }
    case 'io.BytesIO':
    case '_io.BytesIO':
      return staticBytes(a, next, maxBytes);
    case 'builtins.bytes':
    case 'builtins.bytearray': {
      const data = staticBytes(a, next, maxBytes);
      if (data) return data;
      const s = staticString(a, next);
      const enc = encodingOf(b, next, 'utf-8');
      if (s === undefined || enc === undefined) return undefined;
      return LATIN1.has(enc) ? latin1Bytes(s) : UTF8.has(enc) ? new TextEncoder().encode(s) : undefined;
    }
    default:
      return undefined;
  }
}

function rot13(s: string): string {
  return s.replace(/[a-zA-Z]/g, (c) => {
    const base = c <= 'Z' ? 65 : 97;
    return String.fromCharCode(((c.charCodeAt(0) - base + 13) % 26) + base);
  });
}

/** The string a value evaluates to, when it is a str literal or a string function applied to literals. */
export function staticString(v: Value, depth = 0): string | undefined {
  if (typeof v === 'string') return v;
  if (depth >= MAX_DEPTH) return undefined;
  const call = callOf(v);
  if (!call) return undefined;
  const [a, b] = call.args;
  if (a === undefined) return undefined;
  const next = depth + 1;
  switch (call.name) {
    case '_codecs.encode':
    case 'codecs.encode':
    case '_codecs.decode':
    case 'codecs.decode': {
      const enc = encodingOf(b, next, 'utf-8');
      if (enc === undefined) return undefined;
      if (ROT13.has(enc)) {
        const s = staticString(a, next);
        return s === undefined ? undefined : rot13(s);
      }
      if (call.name.endsWith('decode')) {
        const data = staticBytes(a, next);
        if (!data) return undefined;
        if (LATIN1.has(enc)) return Buffer.from(data).toString('latin1');
        if (UTF8.has(enc) || enc === 'ascii') return Buffer.from(data).toString('utf8');
      }
      return undefined;
    }
    case 'builtins.str.join': {
      const parts = b === undefined ? undefined : sequenceItems(b);
      const sep = staticString(a, next);
      if (sep === undefined || !parts) return undefined;
      const strings = parts.map((p) => staticString(p, next));
      return strings.every((s) => s !== undefined) ? strings.join(sep) : undefined;
    }
    case 'builtins.str':
      return staticString(a, next);
    default:
      return undefined;
  }
}
