/**
 * A strict RFC 8259 JSON parser that keeps what JSON.parse throws away: duplicate keys (JSON.parse
 * silently keeps the last one, a parser differential) and whether a number was written as an integer.
 * Iterative over nesting depth is unnecessary: depth is bounded, so recursion stays shallow.
 */

export class JsonNumber {
  constructor(
    /** The literal as written, e.g. "12", "-0", "1e3". */
    readonly raw: string,
  ) {}
  /** Written with no fraction and no exponent. */
  get isIntegerLiteral(): boolean {
    return /^-?(0|[1-9][0-9]*)$/.test(this.raw);
  }
  get value(): number {
    return Number(this.raw);
  }
}

export class JsonObject {
  constructor(readonly entries: ReadonlyArray<readonly [string, JsonValue]>) {}
  get(key: string): JsonValue | undefined {
    for (const [k, v] of this.entries) if (k === key) return v;
    return undefined;
  }
  keys(): string[] {
    return this.entries.map(([k]) => k);
  }
}

export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | JsonObject;

export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} at offset ${offset}`);
    this.name = 'JsonSyntaxError';
  }
}

export interface DuplicateKey {
  /** JSON-pointer-like path of the object holding the duplicate. */
  path: string;
  key: string;
}

export interface StrictJsonResult {
  value: JsonValue;
  duplicates: DuplicateKey[];
  /** Offsets of the first and one-past-last non-whitespace characters of the document. */
  start: number;
  end: number;
}

export interface StrictJsonOptions {
  maxDepth?: number;
  /** Stop recording duplicates after this many (the parse still completes). */
  maxDuplicates?: number;
}

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

export function parseStrictJson(text: string, options: StrictJsonOptions = {}): StrictJsonResult {
  const maxDepth = options.maxDepth ?? 128;
  const maxDuplicates = options.maxDuplicates ?? 100;
  const duplicates: DuplicateKey[] = [];
  let pos = 0;

  const fail = (message: string): never => {
    throw new JsonSyntaxError(message, pos);
  };
  const skipWs = () => {
    while (pos < text.length && WHITESPACE.has(text.charCodeAt(pos))) pos++;
  };
  const expect = (literal: string) => {
    if (text.startsWith(literal, pos)) pos += literal.length;
    else fail(`expected ${literal}`);
  };

  const parseString = (): string => {
    pos++; // opening quote
    let out = '';
    let chunkStart = pos;
    while (true) {
      if (pos >= text.length) fail('unterminated string');
      const c = text.charCodeAt(pos);
      if (c === 0x22) {
        out += text.slice(chunkStart, pos);
        pos++;
        return out;
      }
      if (c < 0x20) fail('control character in string');
      if (c === 0x5c) {
        out += text.slice(chunkStart, pos);
        pos++;
        const e = text[pos];
        pos++;
        switch (e) {
          case '"': out += '"'; break;
          case '\\': out += '\\'; break;
          case '/': out += '/'; break;
          case 'b': out += '\b'; break;
          case 'f': out += '\f'; break;
          case 'n': out += '\n'; break;
          case 'r': out += '\r'; break;
          case 't': out += '\t'; break;
          case 'u': {
            const unit = readHex4();
            if (unit >= 0xd800 && unit <= 0xdbff) {
              if (text[pos] !== '\\' || text[pos + 1] !== 'u') fail('lone leading surrogate');
              pos += 2;
              const low = readHex4();
              if (low < 0xdc00 || low > 0xdfff) fail('invalid trailing surrogate');
              out += String.fromCharCode(unit, low);
            } else if (unit >= 0xdc00 && unit <= 0xdfff) {
              fail('lone trailing surrogate');
            } else {
              out += String.fromCharCode(unit);
            }
            break;
          }
          default:
            pos--;
            fail('invalid escape');
        }
        chunkStart = pos;
        continue;
      }
      pos++;
    }
  };

  const readHex4 = (): number => {
    const hex = text.slice(pos, pos + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('invalid \\u escape');
    pos += 4;
    return parseInt(hex, 16);
  };

  const NUMBER = /-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;
  const parseNumber = (): JsonNumber => {
    NUMBER.lastIndex = pos;
    const m = NUMBER.exec(text);
    if (!m || m[0].length === 0 || m[0] === '-') fail('invalid number');
    pos += m![0].length;
    return new JsonNumber(m![0]);
  };

  const parseValue = (depth: number, path: string): JsonValue => {
    skipWs();
    if (pos >= text.length) fail('unexpected end of input');
    const c = text[pos];
    if (c === '{') return parseObject(depth + 1, path);
    if (c === '[') return parseArray(depth + 1, path);
    if (c === '"') return parseString();
    if (c === 't') return expect('true'), true;
    if (c === 'f') return expect('false'), false;
    if (c === 'n') return expect('null'), null;
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return parseNumber();
    return fail(`unexpected character ${JSON.stringify(c)}`);
  };

  const parseObject = (depth: number, path: string): JsonObject => {
    if (depth > maxDepth) fail(`nesting deeper than ${maxDepth}`);
    pos++;
    const entries: Array<[string, JsonValue]> = [];
    const seen = new Set<string>();
    skipWs();
    if (text[pos] === '}') {
      pos++;
      return new JsonObject(entries);
    }
    while (true) {
      skipWs();
      if (text[pos] !== '"') fail('expected object key');
      const key = parseString();
      skipWs();
      if (text[pos] !== ':') fail('expected ":"');
      pos++;
      const value = parseValue(depth, `${path}/${key}`);
      if (seen.has(key)) {
        if (duplicates.length < maxDuplicates) duplicates.push({ path: path || '/', key });
      } else {
        seen.add(key);
      }
      entries.push([key, value]);
      skipWs();
      if (text[pos] === ',') {
        pos++;
        continue;
      }
      if (text[pos] === '}') {
        pos++;
        return new JsonObject(entries);
      }
      fail('expected "," or "}"');
    }
  };

  const parseArray = (depth: number, path: string): JsonValue[] => {
    if (depth > maxDepth) fail(`nesting deeper than ${maxDepth}`);
    pos++;
    const items: JsonValue[] = [];
    skipWs();
    if (text[pos] === ']') {
      pos++;
      return items;
    }
    while (true) {
      items.push(parseValue(depth, `${path}/${items.length}`));
      skipWs();
      if (text[pos] === ',') {
        pos++;
        continue;
      }
      if (text[pos] === ']') {
        pos++;
        return items;
      }
      fail('expected "," or "]"');
    }
  };

  skipWs();
  const start = pos;
  const value = parseValue(0, '');
  const end = pos;
  skipWs();
  if (pos < text.length) fail('trailing characters after the JSON document');
  return { value, duplicates, start, end };
}

/** Converts to plain JS data. A duplicated key keeps its last value, as Python's json.loads and JSON.parse do. */
export function toPlain(value: JsonValue): unknown {
  if (value instanceof JsonNumber) return value.value;
  if (value instanceof JsonObject) {
    const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const [k, v] of value.entries) out[k] = toPlain(v);
    return out;
  }
  if (Array.isArray(value)) return value.map(toPlain);
  return value;
}
