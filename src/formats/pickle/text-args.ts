/**
 * Decoders for opcode arguments, written to accept exactly what CPython's C unpickler (_pickle.c)
 * accepts. Each returns undefined for input CPython rejects, so the caller can report it.
 */

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Bytes as latin-1 text (BINSTRING/SHORT_BINSTRING/STRING payloads: every byte maps to one char). */
export function latin1(bytes: Uint8Array, start = 0, end = bytes.length): string {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return buffer.toString('latin1', start, end);
}

/** UTF-8 with CPython's 'surrogatepass' error handler (lone surrogates encoded as 3 bytes are accepted). */
export function decodeUtf8(bytes: Uint8Array, start: number, end: number): string | undefined {
  if (end - start < 256) {
    let ascii = true;
    for (let i = start; i < end; i++) {
      if (bytes[i]! >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) return latin1(bytes, start, end);
  }
  try {
    return utf8.decode(bytes.subarray(start, end));
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    return decodeUtf8Surrogatepass(bytes.subarray(start, end));
  }
}

function decodeUtf8Surrogatepass(bytes: Uint8Array): string | undefined {
  let out = '';
  let i = 0;
  const cont = (k: number): number => {
    const b = bytes[k];
    return b !== undefined && (b & 0xc0) === 0x80 ? b & 0x3f : -1;
  };
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      out += String.fromCharCode(b);
      i += 1;
    } else if (b >= 0xc2 && b <= 0xdf) {
      const c1 = cont(i + 1);
      if (c1 < 0) return undefined;
      out += String.fromCharCode(((b & 0x1f) << 6) | c1);
      i += 2;
    } else if (b >= 0xe0 && b <= 0xef) {
      const c1 = cont(i + 1);
      const c2 = cont(i + 2);
      if (c1 < 0 || c2 < 0) return undefined;
      const cp = ((b & 0x0f) << 12) | (c1 << 6) | c2;
      if (cp < 0x800) return undefined;
      out += String.fromCharCode(cp); // surrogates included: that is what surrogatepass allows
      i += 3;
    } else if (b >= 0xf0 && b <= 0xf4) {
      const c1 = cont(i + 1);
      const c2 = cont(i + 2);
      const c3 = cont(i + 3);
      if (c1 < 0 || c2 < 0 || c3 < 0) return undefined;
      const cp = ((b & 0x07) << 18) | (c1 << 12) | (c2 << 6) | c3;
      if (cp < 0x10000 || cp > 0x10ffff) return undefined;
      out += String.fromCodePoint(cp);
      i += 4;
    } else {
      return undefined;
    }
  }
  return out;
}

const isSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);
const digitValue = (c: number): number => {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x7a) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x5a) return c - 0x41 + 10;
  return 99;
};

/** A line without its trailing '\n', cut at the first NUL (C string semantics of the copied line). */
function cString(line: Uint8Array): Uint8Array {
  const nul = line.indexOf(0);
  return nul < 0 ? line : line.subarray(0, nul);
}

/**
 * C strtol(s, &end, 0) on a line, requiring end at the line end: optional spaces and sign, 0x hex,
 * leading-0 octal, decimal. Undefined when the whole line is not consumed or the value overflows 64 bits.
 */
function strtol0(line: Uint8Array): bigint | undefined {
  const s = cString(line);
  let i = 0;
  while (i < s.length && isSpace(s[i]!)) i++;
  let negative = false;
  if (s[i] === 0x2b || s[i] === 0x2d) negative = s[i++] === 0x2d;
  let base = 10;
  if (s[i] === 0x30 && (s[i + 1] === 0x78 || s[i + 1] === 0x58) && digitValue(s[i + 2] ?? 0) < 16) {
    base = 16;
    i += 2;
  } else if (s[i] === 0x30) {
    base = 8;
  }
  const first = i;
  let value = 0n;
  const big = BigInt(base);
  while (i < s.length && digitValue(s[i]!) < base) value = value * big + BigInt(digitValue(s[i++]!));
  if (i === first) return undefined;
  if (i !== s.length) return undefined;
  if (value > (negative ? 1n << 63n : (1n << 63n) - 1n)) return undefined;
  return negative ? -value : value;
}

/** Python int(text, base) for base 0 or 10: spaces around, sign, underscores between digits, prefixes for base 0. */
export function pythonInt(line: Uint8Array, base: 0 | 10): bigint | undefined {
  const text = latin1(cString(line)).trim();
  const match = /^([+-]?)(.*)$/s.exec(text);
  if (!match) return undefined;
  const sign = match[1] === '-' ? -1n : 1n;
  let body = match[2]!;
  let radix = 10;
  if (base === 0) {
    const prefix = /^0([xob])/i.exec(body);
    if (prefix) {
      radix = { x: 16, o: 8, b: 2 }[prefix[1]!.toLowerCase() as 'x' | 'o' | 'b'];
      body = body.slice(2).replace(/^_/, '');
    } else if (/^0+(_?0)*$/.test(body)) {
      return 0n;
    } else if (/^0/.test(body)) {
      return undefined; // base 0 forbids leading zeros on a non-zero decimal
    }
  }
  const digits = radix === 16 ? '[0-9a-fA-F]' : radix === 8 ? '[0-7]' : radix === 2 ? '[01]' : '[0-9]';
  if (!new RegExp(`^${digits}+(_${digits}+)*$`).test(body)) return undefined;
  const clean = body.replace(/_/g, '');
  if (clean.length > 4300) return undefined; // CPython's int max_str_digits default
  const prefixText = radix === 16 ? '0x' : radix === 8 ? '0o' : radix === 2 ? '0b' : '';
  return sign * BigInt(prefixText + clean);
}

export type IntArg = { value: bigint; bool?: boolean };

/** INT opcode argument (line without '\n'): "00"/"01" are False/True, as in _pickle.c load_int. */
export function parseIntArg(line: Uint8Array): IntArg | undefined {
  if (line.length < 1) return undefined;
  const small = strtol0(line);
  if (small !== undefined) {
    if (line.length === 2 && (small === 0n || small === 1n)) return { value: small, bool: small === 1n };
    return { value: small };
  }
  const value = pythonInt(line, 0);
  return value === undefined ? undefined : { value };
}

/** LONG opcode argument: Python int literal with an optional trailing 'L'. */
export function parseLongArg(line: Uint8Array): bigint | undefined {
  if (line.length < 1) return undefined;
  const body = line[line.length - 1] === 0x4c ? line.subarray(0, line.length - 1) : line;
  return pythonInt(body, 0);
}

/** GET/PUT argument: Python int(text, 10). */
export function parseMemoArg(line: Uint8Array): bigint | undefined {
  return pythonInt(line, 10);
}

/** FLOAT argument: PyOS_string_to_double, which must stop at the end of the line. */
export function parseFloatArg(line: Uint8Array): number | undefined {
  const text = latin1(cString(line));
  if (!/^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf(?:inity)?|nan)$/i.test(text)) return undefined;
  const lower = text.toLowerCase();
  if (lower.includes('inf')) return lower.startsWith('-') ? -Infinity : Infinity;
  if (lower.includes('nan')) return NaN;
  return Number(text);
}

/** STRING argument: quoted, then PyBytes_DecodeEscape. Returns the decoded bytes. */
export function parseStringArg(line: Uint8Array): Uint8Array | undefined {
  const len = line.length;
  const q = line[0];
  if (len < 2 || q !== line[len - 1] || (q !== 0x27 && q !== 0x22)) return undefined;
  return decodeEscape(line.subarray(1, len - 1));
}

function decodeEscape(s: Uint8Array): Uint8Array | undefined {
  const out = new Uint8Array(s.length);
  let n = 0;
  for (let i = 0; i < s.length; ) {
    const c = s[i++]!;
    if (c !== 0x5c) {
      out[n++] = c;
      continue;
    }
    if (i >= s.length) return undefined; // "Trailing \ in string"
    const e = s[i++]!;
    switch (e) {
      case 0x0a:
        break; // backslash-newline: line continuation
      case 0x5c:
      case 0x27:
      case 0x22:
        out[n++] = e;
        break;
      case 0x62: out[n++] = 0x08; break; // \b
      case 0x66: out[n++] = 0x0c; break; // \f
      case 0x74: out[n++] = 0x09; break; // \t
      case 0x6e: out[n++] = 0x0a; break; // \n
      case 0x72: out[n++] = 0x0d; break; // \r
      case 0x76: out[n++] = 0x0b; break; // \v
      case 0x61: out[n++] = 0x07; break; // \a
      case 0x78: {
        const h1 = digitValue(s[i] ?? 0);
        const h2 = digitValue(s[i + 1] ?? 0);
        if (h1 >= 16 || h2 >= 16) return undefined; // "invalid \x escape"
        out[n++] = h1 * 16 + h2;
        i += 2;
        break;
      }
      default:
        if (e >= 0x30 && e <= 0x37) {
          let v = e - 0x30;
          if (s[i] !== undefined && s[i]! >= 0x30 && s[i]! <= 0x37) {
            v = v * 8 + s[i++]! - 0x30;
            if (s[i] !== undefined && s[i]! >= 0x30 && s[i]! <= 0x37) v = v * 8 + s[i++]! - 0x30;
          }
          out[n++] = v & 0xff;
        } else {
          out[n++] = 0x5c; // unknown escapes are kept verbatim
          out[n++] = e;
        }
    }
  }
  return out.subarray(0, n);
}

/** UNICODE argument: the raw-unicode-escape codec (only \uXXXX and \UXXXXXXXX after an odd run of backslashes). */
export function parseRawUnicodeEscape(s: Uint8Array): string | undefined {
  let out = '';
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c !== 0x5c) {
      out += String.fromCharCode(c);
      i++;
      continue;
    }
    const first = i;
    while (i < s.length && s[i] === 0x5c) i++;
    const run = i - first;
    const next = s[i];
    if ((run & 1) === 0 || (next !== 0x75 && next !== 0x55)) {
      out += '\\'.repeat(run);
      continue;
    }
    out += '\\'.repeat(run - 1);
    const count = next === 0x75 ? 4 : 8;
    i++;
    let cp = 0;
    for (let k = 0; k < count; k++, i++) {
      const d = digitValue(s[i] ?? 0);
      if (d >= 16) return undefined;
      cp = cp * 16 + d;
    }
    if (cp > 0x10ffff) return undefined;
    out += cp >= 0xd800 && cp <= 0xdfff ? String.fromCharCode(cp) : String.fromCodePoint(cp);
  }
  return out;
}
