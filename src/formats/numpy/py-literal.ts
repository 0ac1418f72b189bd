/**
 * A strict parser for the Python literal subset numpy writes in .npy headers (`repr` of a dict):
 * dicts, tuples, lists, plain quoted strings, ints, True/False/None. numpy reads headers with
 * `ast.literal_eval`; anything beyond this subset (string prefixes, implicit concatenation, floats,
 * sets, expressions) is rejected so a header can never mean something we did not understand.
 */

export type PyValue =
  | { type: 'str'; value: string }
  | { type: 'int'; value: bigint }
  | { type: 'bool'; value: boolean }
  | { type: 'none' }
  | { type: 'tuple'; items: PyValue[] }
  | { type: 'list'; items: PyValue[] }
  | { type: 'dict'; entries: Array<[PyValue, PyValue]> };

export class PyLiteralError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} at offset ${offset}`);
    this.name = 'PyLiteralError';
  }
}

export interface PyLiteralOptions {
  /** Accept Python 2 long suffixes (`3L`), which numpy strips from version 1/2 headers. */
  allowLongSuffix?: boolean;
  maxDepth?: number;
}

const SIMPLE_ESCAPES: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', f: '\f', v: '\v', '0': '\0' };

export function parsePyLiteral(text: string, options: PyLiteralOptions = {}): PyValue {
  const maxDepth = options.maxDepth ?? 32;
  let pos = 0;
  const fail = (message: string): never => {
    throw new PyLiteralError(message, pos);
  };
  const skipWs = () => {
    while (pos < text.length && ' \t\n\r'.includes(text[pos]!)) pos++;
  };

  const parseString = (): string => {
    const quote = text[pos]!;
    pos++;
    let out = '';
    while (true) {
      if (pos >= text.length) fail('unterminated string');
      const c = text[pos]!;
      if (c === quote) {
        pos++;
        return out;
      }
      if (c === '\n' || c === '\r') fail('newline in string');
      if (c !== '\\') {
        out += c;
        pos++;
        continue;
      }
      const e = text[pos + 1];
      if (e === undefined) fail('dangling backslash');
      if (e === 'x' || e === 'u' || e === 'U') {
        const digits = e === 'x' ? 2 : e === 'u' ? 4 : 8;
        const hex = text.slice(pos + 2, pos + 2 + digits);
        if (hex.length !== digits || !/^[0-9a-fA-F]+$/.test(hex)) fail('bad hex escape');
        const cp = parseInt(hex, 16);
        if (cp > 0x10ffff) fail('code point out of range');
        out += String.fromCodePoint(cp);
        pos += 2 + digits;
        continue;
      }
      const simple = SIMPLE_ESCAPES[e!];
      // `\0` followed by more octal digits would be an octal escape; keep the subset small.
      if (simple === undefined || (e === '0' && /[0-7]/.test(text[pos + 2] ?? ''))) fail(`unsupported escape \\${e}`);
      out += simple;
      pos += 2;
    }
  };

  const parseInt_ = (): bigint => {
    const m = /^-?(0|[1-9][0-9]*)/.exec(text.slice(pos, pos + 40));
    if (!m) return fail('expected a value');
    pos += m[0].length;
    if (options.allowLongSuffix && (text[pos] === 'L' || text[pos] === 'l')) pos++;
    if (/[0-9A-Za-z_.]/.test(text[pos] ?? '')) fail('unsupported number literal');
    return BigInt(m[0]);
  };

  const parseSequence = (close: string, depth: number): { items: PyValue[]; trailingComma: boolean } => {
    const items: PyValue[] = [];
    let trailingComma = false;
    skipWs();
    while (text[pos] !== close) {
      items.push(parseValue(depth));
      skipWs();
      trailingComma = false;
      if (text[pos] === ',') {
        pos++;
        trailingComma = true;
        skipWs();
      } else if (text[pos] !== close) {
        fail(`expected "," or "${close}"`);
      }
    }
    pos++;
    return { items, trailingComma };
  };

  const parseValue = (depth: number): PyValue => {
    if (depth > maxDepth) fail('nesting too deep');
    skipWs();
    const c = text[pos];
    if (c === undefined) return fail('unexpected end of header');
    if (c === "'" || c === '"') {
      const value = parseString();
      skipWs();
      if (text[pos] === "'" || text[pos] === '"') fail('implicit string concatenation');
      return { type: 'str', value };
    }
    if (c === '{') {
      pos++;
      const entries: Array<[PyValue, PyValue]> = [];
      skipWs();
      while (text[pos] !== '}') {
        const key = parseValue(depth + 1);
        skipWs();
        if (text[pos] !== ':') fail('expected ":"');
        pos++;
        entries.push([key, parseValue(depth + 1)]);
        skipWs();
        if (text[pos] === ',') {
          pos++;
          skipWs();
        } else if (text[pos] !== '}') {
          fail('expected "," or "}"');
        }
      }
      pos++;
      return { type: 'dict', entries };
    }
    if (c === '(') {
      pos++;
      const { items, trailingComma } = parseSequence(')', depth + 1);
      // `(x)` is just x; only a comma (or nothing) makes a tuple.
      if (items.length === 1 && !trailingComma) return items[0]!;
      return { type: 'tuple', items };
    }
    if (c === '[') {
      pos++;
      return { type: 'list', items: parseSequence(']', depth + 1).items };
    }
    for (const [word, value] of [
      ['True', { type: 'bool', value: true }],
      ['False', { type: 'bool', value: false }],
      ['None', { type: 'none' }],
    ] as const) {
      if (text.startsWith(word, pos) && !/[0-9A-Za-z_]/.test(text[pos + word.length] ?? '')) {
        pos += word.length;
        return value;
      }
    }
    return { type: 'int', value: parseInt_() };
  };

  const value = parseValue(0);
  skipWs();
  if (pos !== text.length) fail('trailing characters after the literal');
  return value;
}

/** A short printable form (for facts and messages). */
export function showPy(value: PyValue): string {
  switch (value.type) {
    case 'str':
      return JSON.stringify(value.value);
    case 'int':
      return value.value.toString();
    case 'bool':
      return value.value ? 'True' : 'False';
    case 'none':
      return 'None';
    case 'tuple':
      return `(${value.items.map(showPy).join(', ')}${value.items.length === 1 ? ',' : ''})`;
    case 'list':
      return `[${value.items.map(showPy).join(', ')}]`;
    case 'dict':
      return `{${value.entries.map(([k, v]) => `${showPy(k)}: ${showPy(v)}`).join(', ')}}`;
  }
}
