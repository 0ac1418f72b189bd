/**
 * Static screening of a Jinja2 chat template for server-side template injection (SSTI).
 * Loaders render `tokenizer.chat_template` with Jinja2; a sandbox escape (e.g. llama-cpp-python
 * CVE-2024-34359) walks Python object internals: `x.__class__.__mro__[1].__subclasses__()`,
 * `lipsum.__globals__['os'].popen(...)`, `cycler.__init__.__globals__`, `self._TemplateReference__context`.
 * Every chain needs dunder/private attribute names or a global that leaks them, so the rules look for
 * those names however they are spelled: directly, through `attr()`/`getattr`, in string subscripts,
 * escaped (`\x5f`), split and concatenated (`'__cla' ~ 'ss__'`), reversed, or built from kwargs
 * (`dict(__cla=1,ss__=1)|join`). Real chat templates use none of these.
 */

export interface TemplateRuleHit {
  rule: string;
  excerpt: string;
}

export interface TemplateAnalysis {
  dangerous: boolean;
  hits: TemplateRuleHit[];
}

/** Globals and objects whose attributes lead to Python internals (Jinja/Flask SSTI staples). */
const LEAKY_GLOBALS = ['lipsum', 'cycler', 'joiner', 'self', 'request', 'config', 'url_for', 'get_flashed_messages', 'application'];
/** Names that only appear in code-execution chains. */
const EXEC_NAMES = ['popen', 'subprocess', 'eval', 'exec', 'execfile', 'compile', 'getattr', 'setattr', 'builtins', 'globals', 'subclasses', 'mro', 'importlib', 'import_module', 'func_globals', 'f_globals', 'co_code', 'check_output', 'spawn'];
const DUNDER = /__[A-Za-z0-9_]*__|__(class|mro|base|bases|subclasses|globals|builtins|import|init|dict|getattribute|getitem|reduce|loader|spec|code|func|self)\b/;
const STATEMENTS = /\{%-?\s*(import|from|include|extends)\b/;

function excerpt(text: string, at: number): string {
  return text.slice(Math.max(0, at - 40), at + 80).replace(/\s+/g, ' ');
}

/** Code regions: `{{ … }}` and `{% … %}` bodies (comments dropped). Unterminated regions run to the end. */
function codeRegions(template: string): Array<{ start: number; text: string }> {
  const regions: Array<{ start: number; text: string }> = [];
  const open = /\{\{|\{%|\{#/g;
  let m: RegExpExecArray | null;
  while ((m = open.exec(template))) {
    const close = m[0] === '{{' ? '}}' : m[0] === '{%' ? '%}' : '#}';
    const end = template.indexOf(close, m.index + 2);
    const stop = end < 0 ? template.length : end;
    if (m[0] !== '{#') regions.push({ start: m.index, text: template.slice(m.index + 2, stop) });
    open.lastIndex = end < 0 ? template.length : end + 2;
  }
  return regions;
}

interface StringLiteral {
  raw: string;
  value: string;
  /** Had an escape decoding to an ASCII identifier character (obfuscation). */
  obfuscated: boolean;
  at: number;
}

/** String literals in a code region, decoded the way Python/Jinja would. */
function stringLiterals(code: string): { strings: StringLiteral[]; rest: string } {
  const strings: StringLiteral[] = [];
  let rest = '';
  let i = 0;
  while (i < code.length) {
    const q = code[i];
    if (q !== "'" && q !== '"') {
      rest += code[i];
      i++;
      continue;
    }
    let j = i + 1;
    let value = '';
    let obfuscated = false;
    while (j < code.length && code[j] !== q) {
      if (code[j] === '\\' && j + 1 < code.length) {
        const e = code[j + 1]!;
        const hex = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
        let decoded: string | undefined;
        let width = 2;
        if (hex > 0 && /^[0-9a-fA-F]+$/.test(code.slice(j + 2, j + 2 + hex))) {
          const cp = parseInt(code.slice(j + 2, j + 2 + hex), 16);
          decoded = cp <= 0x10ffff ? String.fromCodePoint(cp) : '';
          width = 2 + hex;
        } else if (/[0-7]/.test(e)) {
          const oct = /^[0-7]{1,3}/.exec(code.slice(j + 1))![0];
          decoded = String.fromCharCode(parseInt(oct, 8));
          width = 1 + oct.length;
        } else if (e === 'N') {
          obfuscated = true;
          const close = code.indexOf('}', j);
          width = close > j ? close - j + 1 : 2;
          decoded = '';
        } else {
          decoded = ({ n: '\n', t: '\t', r: '\r' } as Record<string, string>)[e] ?? e;
        }
        if (hex > 0 || /[0-7]/.test(e)) obfuscated ||= /[A-Za-z0-9_.]/.test(decoded);
        value += decoded;
        j += width;
        continue;
      }
      value += code[j];
      j++;
    }
    strings.push({ raw: code.slice(i, j + 1), value, obfuscated, at: i });
    rest += ' "" ';
    i = j + 1;
  }
  return { strings, rest };
}

export function analyseChatTemplate(template: string): TemplateAnalysis {
  const hits: TemplateRuleHit[] = [];
  const hit = (rule: string, text: string, at: number) => {
    if (hits.length < 20 && !hits.some((h) => h.rule === rule)) hits.push({ rule, excerpt: excerpt(text, at) });
  };

  // Anywhere in the text: a region-parsing differential must not hide a dunder chain.
  const dunder = DUNDER.exec(template);
  if (dunder) hit('dunder-name', template, dunder.index);
  const statement = STATEMENTS.exec(template);
  if (statement) hit('template-loading-statement', template, statement.index);

  for (const region of codeRegions(template)) {
    const { strings, rest } = stringLiterals(region.text);
    const at = (offset: number) => region.start + 2 + offset;

    const attr = /(\|\s*attr\b|\battr\s*\()/.exec(rest);
    if (attr) hit('attr-filter', template, at(attr.index));
    for (const name of LEAKY_GLOBALS) {
      const m = new RegExp(`(?<![\\w.])${name}\\b`).exec(rest);
      if (m) hit(`leaky-global:${name}`, template, at(m.index));
    }
    for (const name of EXEC_NAMES) {
      const m = new RegExp(`\\b${name}\\b`).exec(rest);
      if (m) hit(`exec-name:${name}`, template, at(m.index));
    }
    const system = /\.\s*system\b|\bos\s*\.|\bsystem\s*\(/.exec(rest);
    if (system) hit('os-call', template, at(system.index));
    const nsAttr = /\bnamespace\s*\.|\bnamespace\s*\[/.exec(rest);
    if (nsAttr) hit('namespace-attribute', template, at(nsAttr.index));
    const ident = /(?<![\w])(__\w+|\w+__)(?![\w])/.exec(rest);
    if (ident) hit('underscore-identifier', template, at(ident.index));
    const charLeak = /\|\s*string\s*\|\s*list\b|\|\s*string\s*\)\s*\[/.exec(rest);
    if (charLeak) hit('string-character-extraction', template, at(charLeak.index));

    const joined = strings.map((s) => s.value).join('');
    for (const s of strings) {
      if (s.obfuscated) hit('escaped-identifier-characters', template, at(s.at));
      if (/__/.test(s.value) || /__/.test([...s.value].reverse().join(''))) hit('underscore-string', template, at(s.at));
      if (/%c/.test(s.value) && /\bformat\b|%/.test(rest)) hit('char-formatting', template, at(s.at));
      if (/^_+$/.test(s.value) && /[~+*]|\bjoin\b/.test(rest)) hit('underscore-concatenation', template, at(s.at));
    }
    if (DUNDER.test(joined) || DUNDER.test([...joined].reverse().join(''))) hit('concatenated-dunder', template, region.start);
  }
  return { dangerous: hits.length > 0, hits };
}
