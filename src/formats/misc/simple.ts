import { makeFinding } from '../../core/finding.js';
import type { FormatScanner } from '../types.js';
import { MISC_CODES } from './codes.js';

export interface ImageFacts {
  kind: string;
  bytes: number;
}

export function imageKind(head: Uint8Array): string | undefined {
  const starts = (...bytes: number[]) => bytes.every((b, i) => head[i] === b);
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'png';
  if (starts(0xff, 0xd8, 0xff)) return 'jpeg';
  if (starts(0x47, 0x49, 0x46, 0x38)) return 'gif';
  if (starts(0x52, 0x49, 0x46, 0x46) && head[8] === 0x57 && head[9] === 0x45 && head[10] === 0x42 && head[11] === 0x50) return 'webp';
  return undefined;
}

export const imageScanner: FormatScanner<ImageFacts> = {
  format: 'image',
  async scan(source) {
    const head = await source.read(0, 16);
    return { format: 'image', facts: { kind: imageKind(head) ?? 'unknown', bytes: source.size }, findings: [], children: [] };
  },
};

export const emptyScanner: FormatScanner<{ bytes: 0 }> = {
  format: 'empty',
  async scan(_source, ctx) {
    return {
      format: 'empty',
      facts: { bytes: 0 },
      findings: [makeFinding(MISC_CODES, 'FILE_EMPTY', ctx, `${ctx.file}: empty file`)],
      children: [],
    };
  },
};

export const unknownScanner: FormatScanner<{ bytes: number }> = {
  format: 'unknown',
  async scan(source, ctx) {
    const head = await source.read(0, 16);
    return {
      format: 'unknown',
      facts: { bytes: source.size },
      findings: [
        makeFinding(
          MISC_CODES,
          'FILE_UNRECOGNISED',
          ctx,
          `${ctx.file}${ctx.location.length ? ' > ' + ctx.location.join(' > ') : ''}: content matches no format modelscan can analyse`,
          { head: Buffer.from(head).toString('hex') },
        ),
      ],
      children: [],
    };
  },
};
