import { makeFinding } from '../../core/finding.js';
import type { ByteSource } from '../../core/source.js';
import type { FormatReport, FormatScanner, ScanContext } from '../types.js';
import { analyseChatTemplate } from '../gguf/index.js';
import { MISC_CODES } from './codes.js';

/** Largest text file parsed in full (JSON configs, tokenizers); larger ones are only sniffed. */
const MAX_TEXT_PARSE = 256 * 1024 * 1024;

export function isLikelyText(head: Uint8Array): boolean {
  if (head.length === 0) return false;
  for (const byte of head) {
    if (byte === 0) return false;
    if (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d && byte !== 0x0c) return false;
  }
  // Cut a possibly split multi-byte character off the end before validating UTF-8.
  let end = head.length;
  for (let back = 1; back <= 3 && end - back >= 0; back++) {
    const byte = head[end - back]!;
    if ((byte & 0xc0) === 0xc0) {
      end -= back;
      break;
    }
    if ((byte & 0x80) === 0) break;
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, end));
    return true;
  } catch {
    return false;
  }
}

const isJsonSpace = (byte: number) => byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
/** Bytes that can follow "[" in JSON: a string, object, array, end, number, true/false/null. */
const AFTER_BRACKET = new Set([0x22, 0x7b, 0x5b, 0x5d, 0x2d, ...Array.from({ length: 10 }, (_, i) => 0x30 + i), 0x74, 0x66, 0x6e]);

/**
 * JSON by its first two tokens: "{" then a key or "}", or "[" then a value or "]". A WordPiece vocab.txt
 * starting "[PAD]" is text, not malformed JSON.
 */
export function looksLikeJson(head: Uint8Array): boolean {
  let i = 0;
  while (i < head.length && (isJsonSpace(head[i]!) || head[i] === 0xef || head[i] === 0xbb || head[i] === 0xbf)) i++;
  const open = head[i];
  if (open !== 0x7b && open !== 0x5b) return false;
  i++;
  while (i < head.length && isJsonSpace(head[i]!)) i++;
  if (i >= head.length) return true;
  const next = head[i]!;
  return open === 0x7b ? next === 0x22 || next === 0x7d : AFTER_BRACKET.has(next);
}

export interface TextFacts {
  bytes: number;
}

export const textScanner: FormatScanner<TextFacts> = {
  format: 'text',
  async scan(source) {
    return { format: 'text', facts: { bytes: source.size }, findings: [], children: [] };
  },
};

export interface PythonFacts {
  bytes: number;
}

export const pythonScanner: FormatScanner<PythonFacts> = {
  format: 'python',
  async scan(source, ctx) {
    const message =
      ctx.location.length > 0
        ? `${source.label}: Python source inside an archive (TorchScript or packaged code a loader may compile and run)`
        : `${ctx.file}: Python source; transformers runs repository code like this when a user passes trust_remote_code=True`;
    const finding = makeFinding(MISC_CODES, 'PYTHON_SOURCE', ctx, message, { bytes: source.size });
    return { format: 'python', facts: { bytes: source.size }, findings: [finding], children: [] };
  },
};

export interface JsonFacts {
  bytes: number;
  topLevelKeys?: string[];
  autoMap?: Record<string, unknown>;
  chatTemplates?: number;
}

/** tokenizer_config.json holds `chat_template` as a string or a list of {name, template}. */
function chatTemplates(value: unknown): Array<{ name: string; template: string }> {
  if (typeof value === 'string') return [{ name: 'default', template: value }];
  if (!Array.isArray(value)) return [];
  return value.flatMap((entry, i) => {
    const e = entry as { name?: unknown; template?: unknown } | null;
    return e && typeof e.template === 'string' ? [{ name: typeof e.name === 'string' ? e.name : `#${i}`, template: e.template }] : [];
  });
}

export const jsonScanner: FormatScanner<JsonFacts> = {
  format: 'json',
  async scan(source: ByteSource, ctx: ScanContext): Promise<FormatReport<JsonFacts>> {
    const facts: JsonFacts = { bytes: source.size };
    const report: FormatReport<JsonFacts> = { format: 'json', facts, findings: [], children: [] };
    if (source.size > MAX_TEXT_PARSE) return report;
    let value: unknown;
    try {
      const text = new TextDecoder('utf-8', { fatal: true }).decode(await source.read(0, source.size));
      value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    } catch (error) {
      report.findings.push(
        makeFinding(MISC_CODES, 'JSON_MALFORMED', ctx, `${ctx.file}: not valid JSON (${(error as Error).message})`),
      );
      return report;
    }
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const object = value as Record<string, unknown>;
      facts.topLevelKeys = Object.keys(object).slice(0, 200);
      const autoMap = object['auto_map'];
      if (autoMap && typeof autoMap === 'object') {
        facts.autoMap = autoMap as Record<string, unknown>;
        report.findings.push(
          makeFinding(
            MISC_CODES,
            'CONFIG_REMOTE_CODE',
            ctx,
            `${ctx.file}: auto_map points model classes at repository code (${Object.values(autoMap).flat().join(', ')}); loading with trust_remote_code runs it`,
            { auto_map: autoMap },
          ),
        );
      }
      const templates = chatTemplates(object['chat_template']);
      if (templates.length > 0) facts.chatTemplates = templates.length;
      for (const { name, template } of templates) {
        const analysis = analyseChatTemplate(template);
        if (!analysis.dangerous) continue;
        report.findings.push(
          makeFinding(
            MISC_CODES,
            'CONFIG_CHAT_TEMPLATE_INJECTION',
            ctx,
            `${ctx.file}: chat_template "${name}" uses ${analysis.hits.map((h) => h.rule).join(', ')}; rendering it can escape the Jinja2 sandbox`,
            { template: name, hits: analysis.hits },
          ),
        );
      }
    }
    return report;
  },
};
