import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bufferSource } from '../../src/core/source.js';
import { analyseChatTemplate, ggufScanner, looksLikeGguf } from '../../src/formats/gguf/index.js';
import { DEFAULT_LIMITS, type FormatReport, type ScanContext } from '../../src/formats/types.js';
import { CHATML_TEMPLATE, expectations, ggufFile, type GgufTensor } from '../../scripts/fixtures/gguf.js';
import { build } from '../../scripts/fixtures/gguf.js';
import { readFile } from 'node:fs/promises';

const FIXTURES = new URL('../../fixtures/models/', import.meta.url);

const ctx: ScanContext = {
  file: 'model.gguf',
  location: [],
  depth: 0,
  limits: DEFAULT_LIMITS,
  scanNested: async () => ({ format: 'unknown', facts: {}, findings: [], children: [] }),
};
const scanBytes = (bytes: Uint8Array) => ggufScanner.scan(bufferSource(bytes, 'model.gguf'), ctx);
const codes = (r: FormatReport<object>) => r.findings.map((f) => f.code);

const u32 = (n: number, le = true) => {
  const b = Buffer.alloc(4);
  if (le) b.writeUInt32LE(n);
  else b.writeUInt32BE(n);
  return b;
};
const u64 = (n: number | bigint, le = true) => {
  const b = Buffer.alloc(8);
  if (le) b.writeBigUInt64LE(BigInt(n));
  else b.writeBigUInt64BE(BigInt(n));
  return b;
};
const str = (s: string) => Buffer.concat([u64(Buffer.byteLength(s)), Buffer.from(s)]);
const f32Tensor = (name: string, dims: number[], extra: Partial<GgufTensor> = {}): GgufTensor => ({
  name,
  dims,
  type: 0,
  ...extra,
  data: extra.data ?? Buffer.alloc(dims.reduce((a, b) => a * b, 1) * 4),
});
/** A v3 header with raw metadata bytes and no tensors. */
const rawKv = (count: number, body: Buffer) => Buffer.concat([Buffer.from('GGUF'), u32(3), u64(0), u64(count), body]);

describe('gguf scanner', () => {
  it('parses a valid v3 file', async () => {
    const r = await scanBytes(ggufFile([['general.architecture', { type: 'string', value: 'llama' }]], [f32Tensor('a', [4, 2]), f32Tensor('b', [3])]));
    expect(r.findings).toEqual([]);
    expect(r.facts).toMatchObject({ version: 3, tensorCount: 2, kvCount: 1, architecture: 'llama', alignment: 32, tensorTypes: { F32: 2 } });
    expect(r.facts.dataOffset % 32).toBe(0);
  });

  it('parses version 1 (32-bit lengths) and big-endian files', async () => {
    const v1 = Buffer.concat([Buffer.from('GGUF'), u32(1), u32(0), u32(1), u32(1), Buffer.from('k'), u32(4), u32(7)]);
    const r1 = await scanBytes(v1);
    expect(r1.findings).toEqual([]);
    expect(r1.facts).toMatchObject({ version: 1, kvCount: 1, metadataKeys: ['k'] });
    const be = Buffer.concat([Buffer.from('GGUF'), u32(3, false), u64(0, false), u64(1, false), u64(1, false), Buffer.from('k'), u32(4, false), u32(7, false)]);
    const r2 = await scanBytes(be);
    expect(r2.findings).toEqual([]);
    expect(r2.facts).toMatchObject({ version: 3, bigEndian: true, metadataKeys: ['k'] });
  });

  it('flags bad magic, unsupported versions and implausible counts', async () => {
    expect(codes(await scanBytes(Buffer.from('GGML\x03\x00\x00\x00')))).toEqual(['GGUF_BAD_MAGIC']);
    expect(codes(await scanBytes(Buffer.concat([Buffer.from('GGUF'), u32(4), u64(0), u64(0)])))).toEqual(['GGUF_UNSUPPORTED_VERSION']);
    expect(codes(await scanBytes(Buffer.concat([Buffer.from('GGUF'), u32(3), u64(0), u64(2n ** 40n)])))).toEqual(['GGUF_COUNT_IMPLAUSIBLE']);
  });

  it('flags duplicate keys, unknown value types, bad bools and deep nesting', async () => {
    const kv = Buffer.concat([str('a'), u32(4), u32(1)]);
    expect(codes(await scanBytes(rawKv(2, Buffer.concat([kv, kv]))))).toEqual(['GGUF_DUPLICATE_KEY']);
    expect(codes(await scanBytes(rawKv(1, Buffer.concat([str('a'), u32(13), u32(1)]))))).toEqual(['GGUF_METADATA_INVALID']);
    expect(codes(await scanBytes(rawKv(1, Buffer.concat([str('a'), u32(7), Buffer.from([2])]))))).toEqual(['GGUF_METADATA_INVALID']);
    let nested = Buffer.concat([u32(4), u64(0)]);
    for (let i = 0; i < 4; i++) nested = Buffer.concat([u32(9), u64(1), nested]);
    expect(codes(await scanBytes(rawKv(1, Buffer.concat([str('a'), u32(9), nested]))))).toEqual(['GGUF_METADATA_INVALID']);
  });

  it('flags oversized strings and arrays as truncation without allocating them', async () => {
    expect(codes(await scanBytes(rawKv(1, Buffer.concat([str('a'), u32(8), u64(2n ** 60n)]))))).toEqual(['GGUF_TRUNCATED']);
    expect(codes(await scanBytes(rawKv(1, Buffer.concat([str('a'), u32(9), u32(12), u64(2n ** 61n)]))))).toEqual(['GGUF_TRUNCATED']);
    expect(codes(await scanBytes(rawKv(1, Buffer.concat([str('a'), u32(9), u32(8), u64(2n ** 50n)]))))).toEqual(['GGUF_TRUNCATED']);
  });

  it('validates general.alignment', async () => {
    const bad = (v: Buffer) => scanBytes(rawKv(1, Buffer.concat([str('general.alignment'), v])));
    expect(codes(await bad(Buffer.concat([u32(4), u32(3)])))).toEqual(['GGUF_ALIGNMENT_INVALID']);
    expect(codes(await bad(Buffer.concat([u32(4), u32(0)])))).toEqual(['GGUF_ALIGNMENT_INVALID']);
    expect(codes(await bad(Buffer.concat([u32(10), u64(32)])))).toEqual(['GGUF_ALIGNMENT_INVALID']);
    const r = await scanBytes(ggufFile([['general.alignment', { type: 'u32', value: 64 }]], [f32Tensor('a', [4]), f32Tensor('b', [4])], 64));
    expect(r.findings).toEqual([]);
    expect(r.facts.alignment).toBe(64);
  });

  it('flags bad tensor infos', async () => {
    expect(codes(await scanBytes(ggufFile([], [f32Tensor('a', [1, 1, 1, 1, 1])])))).toContain('GGUF_TENSOR_INVALID');
    expect(codes(await scanBytes(ggufFile([], [{ name: 'q', dims: [16], type: 2, data: Buffer.alloc(9) }])))).toEqual(['GGUF_TENSOR_INVALID']);
    expect(codes(await scanBytes(ggufFile([], [{ name: 'q', dims: [32], type: 4, data: Buffer.alloc(18) }])))).toEqual(['GGUF_UNKNOWN_TENSOR_TYPE']);
    expect(codes(await scanBytes(ggufFile([], [f32Tensor('a', [2]), f32Tensor('a', [2])])))).toEqual(['GGUF_DUPLICATE_TENSOR']);
    expect(codes(await scanBytes(ggufFile([], [f32Tensor('x'.repeat(64), [2])])))).toEqual(['GGUF_TENSOR_INVALID']);
    expect(codes(await scanBytes(ggufFile([], [f32Tensor('a', [2 ** 31, 2 ** 31, 2 ** 31], { data: Buffer.alloc(4) })])))).toContain('GGUF_TENSOR_INVALID');
  });

  it('checks the data layout: offsets, truncation and trailing bytes', async () => {
    const file = ggufFile([], [f32Tensor('a', [4]), f32Tensor('b', [4])]);
    expect(codes(await scanBytes(file.subarray(0, file.length - 20)))).toEqual(['GGUF_TRUNCATED']);
    const r = await scanBytes(Buffer.concat([file, Buffer.alloc(100)]));
    expect(codes(r)).toEqual(['GGUF_TRAILING_DATA']);
    expect(r.findings[0]!.severity).toBe('low');
    expect(codes(await scanBytes(ggufFile([], [f32Tensor('a', [4], { offset: 32 })])))).toEqual(['GGUF_TENSOR_OFFSET']);
    expect(codes(await scanBytes(ggufFile([], [f32Tensor('a', [4], { offset: 4 })])))).toEqual(['GGUF_TENSOR_OFFSET']);
  });

  it('reports the chat template as info, or high when it is an SSTI payload', async () => {
    const plain = await scanBytes(ggufFile([['tokenizer.chat_template', { type: 'string', value: CHATML_TEMPLATE }]], []));
    expect(plain.findings).toMatchObject([{ code: 'GGUF_CHAT_TEMPLATE', severity: 'info' }]);
    expect(plain.facts.chatTemplates[0]).toMatchObject({ key: 'tokenizer.chat_template', dangerous: false, length: CHATML_TEMPLATE.length });
    const named = await scanBytes(ggufFile([['tokenizer.chat_template.tool_use', { type: 'string', value: "{{ lipsum.__globals__['os'].popen('id').read() }}" }]], []));
    expect(named.findings).toMatchObject([{ code: 'GGUF_CHAT_TEMPLATE_INJECTION', severity: 'high', evidence: { key: 'tokenizer.chat_template.tool_use' } }]);
    const notString = await scanBytes(rawKv(1, Buffer.concat([str('tokenizer.chat_template'), u32(4), u32(1)])));
    expect(codes(notString)).toEqual(['GGUF_METADATA_INVALID']);
  });

  it('sniffs the magic', () => {
    expect(looksLikeGguf(Buffer.from('GGUF\x03\x00\x00\x00'))).toBe(true);
    expect(looksLikeGguf(Buffer.from('GGJT'))).toBe(false);
  });
});

describe('chat template analysis', () => {
  const LEGIT = [
    CHATML_TEMPLATE,
    // Llama 3.1 style
    `{{- bos_token }}{%- if custom_tools is defined %}{%- set tools = custom_tools %}{%- endif %}{%- if not date_string is defined %}{%- set date_string = "26 Jul 2024" %}{%- endif %}{%- if messages[0]['role'] == 'system' %}{%- set system_message = messages[0]['content']|trim %}{%- set messages = messages[1:] %}{%- else %}{%- set system_message = "" %}{%- endif %}{{- "<|start_header_id|>system<|end_header_id|>\\n\\n" }}{%- if builtin_tools is defined or tools is not none %}{{- "Environment: ipython\\n" }}{%- endif %}{%- for t in tools %}{{- t | tojson(indent=4) }}{%- endfor %}{%- for message in messages %}{%- if not (message.role == 'ipython' or message.role == 'tool' or 'tool_calls' in message) %}{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' }}{%- elif 'tool_calls' in message %}{%- set tool_call = message.tool_calls[0].function %}{{- '{"name": "' + tool_call.name + '", "parameters": ' + tool_call.arguments | tojson + '}' }}{%- endif %}{%- endfor %}{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif %}`,
    // DeepSeek style with namespace()
    `{% set ns = namespace(is_first=false, is_tool=false, system_prompt='') %}{%- for message in messages %}{%- if message['role'] == 'system' %}{% set ns.system_prompt = message['content'] %}{%- endif %}{%- endfor %}{{ bos_token }}{{ ns.system_prompt }}{%- for message in messages %}{%- if message['role'] == 'assistant' and message['content'] is not none %}{% set content = message['content'] %}{% if '</think>' in content %}{% set content = content.split('</think>')[-1] %}{% endif %}{{ '<｜Assistant｜>' + content + '<｜end▁of▁sentence｜>' }}{%- endif %}{%- endfor %}`,
    // Mistral / Gemma style
    `{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'assistant' %}{% set role = 'model' %}{% else %}{% set role = message['role'] %}{% endif %}{{ '<start_of_turn>' + role + '\\n' + message['content'] | trim + '<end_of_turn>\\n' }}{% endfor %}{# a comment #}`,
    `{{ strftime_now("%d %b %Y") }}{% for m in messages %}{{ m.content|replace('_', ' ') }}{% endfor %}`,
  ];
  it.each(LEGIT.map((t, i) => [i, t]))('accepts real-world template %i', (_, template) => {
    expect(analyseChatTemplate(template)).toEqual({ dangerous: false, hits: [] });
  });

  const PAYLOADS: Array<[string, string]> = [
    ["{{ self.__init__.__globals__.__builtins__.__import__('os').popen('id').read() }}", 'dunder-name'],
    ["{{ ''.__class__.__mro__[1].__subclasses__() }}", 'dunder-name'],
    ["{{ lipsum.__globals__['os'].popen('id').read() }}", 'leaky-global:lipsum'],
    ["{{ request|attr('application')|attr('\\x5f\\x5fglobals\\x5f\\x5f') }}", 'escaped-identifier-characters'],
    ['{{ ()|attr(dict(__cla=1,ss__=1)|join) }}', 'underscore-identifier'],
    ["{% set a = '_' ~ '_' %}{{ ()|attr(a ~ 'class' ~ a) }}", 'underscore-concatenation'],
    ["{{ x['__ssalc__'|reverse] }}", 'underscore-string'],
    ["{{ x['_' + '_cla' + 'ss_' + '_'] }}", 'concatenated-dunder'],
    ["{{ namespace.__init__.__globals__.os.system('id') }}", 'namespace-attribute'],
    ["{{ x[('%c'|format(95))*2 ~ 'class' ~ ('%c'|format(95))*2] }}", 'char-formatting'],
    ["{{ self._TemplateReference__context.cycler.__init__.__globals__.os.popen('id').read() }}", 'leaky-global:self'],
    ['{{ (()|select|string|list)[24] }}', 'string-character-extraction'],
    ["{% include 'secrets.txt' %}", 'template-loading-statement'],
    ["{{ x['\\137\\137class\\137\\137'] }}", 'escaped-identifier-characters'],
    ['{% for x in ().__class__.__base__.__subclasses__() %}{% if "warning" in x.__name__ %}{{x()._module.__builtins__[\'__import__\'](\'os\').popen("touch /tmp/retr0reg")}}{%endif%}{% endfor %}', 'dunder-name'],
    ['{{ config.items() }}', 'leaky-global:config'],
    ['{{ cycler.next.func_globals }}', 'exec-name:func_globals'],
  ];
  it.each(PAYLOADS)('flags %s', (template, rule) => {
    const result = analyseChatTemplate(template);
    expect(result.dangerous).toBe(true);
    expect(result.hits.map((h) => h.rule)).toContain(rule);
  });

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        expect(typeof analyseChatTemplate(text).dangerous).toBe('boolean');
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.array(fc.constantFrom('{{', '}}', '{%', '%}', '{#', '#}', "'", '"', '\\', 'x5f', '_', 'a', ' ', '~'), { maxLength: 60 }), (parts) => {
        expect(typeof analyseChatTemplate(parts.join('')).dangerous).toBe('boolean');
      }),
      { numRuns: 300 },
    );
  });
});

describe('gguf fixtures', () => {
  it('each fixture yields its expected codes and verdict class', async () => {
    await build(new URL('.', FIXTURES).pathname);
    for (const e of expectations) {
      const r = await scanBytes(await readFile(new URL(e.path, FIXTURES)));
      for (const code of e.mustInclude) expect(codes(r), e.path).toContain(code);
      const denies = r.findings.some((f) => ['critical', 'high', 'medium'].includes(f.severity));
      expect(denies, e.path).toBe(e.verdict === 'DENY');
    }
  });
});

describe('gguf properties', () => {
  const base = ggufFile(
    [
      ['general.architecture', { type: 'string', value: 'llama' }],
      ['tokenizer.ggml.tokens', { type: 'strings', value: ['a', 'bb', 'ccc'] }],
      ['tokenizer.chat_template', { type: 'string', value: CHATML_TEMPLATE }],
    ],
    [f32Tensor('a', [2, 2]), f32Tensor('b', [3])],
  );

  it('random bytes behind the magic never throw', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (tail) => {
        const r = await scanBytes(Buffer.concat([Buffer.from('GGUF'), tail]));
        expect(r.format).toBe('gguf');
      }),
      { numRuns: 300 },
    );
  });

  it('mutations and truncations of a valid file never throw', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        fc.nat(base.length),
        async (edits, cut) => {
          const bytes = Buffer.from(base.subarray(0, Math.max(cut, 4)));
          for (const [at, value] of edits) if (at < bytes.length) bytes[at] = value;
          const r = await scanBytes(bytes);
          expect(r.format).toBe('gguf');
          // The last tensor ends 20 bytes before the end: only the alignment padding may go missing.
          if (cut < base.length - 20 && edits.length === 0) expect(r.findings.some((f) => f.severity === 'high')).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
