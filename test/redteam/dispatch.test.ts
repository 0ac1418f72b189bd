import { describe, expect, it } from 'vitest';
import { bufferSource } from '../../src/core/source.js';
import { createRootContext, scanSource } from '../../src/formats/dispatch.js';
import type { FormatReport } from '../../src/formats/types.js';

function codes(report: FormatReport): string[] {
  return [...report.findings.map((f) => f.code), ...report.children.flatMap((c) => codes(c.report))];
}

async function scan(bytes: Buffer, name: string): Promise<FormatReport> {
  return scanSource(bufferSource(bytes, name), createRootContext(name), name);
}

describe('pickles that look like something else', () => {
  it('catches a protocol-0 pickle whose long first argument makes the head look like text', async () => {
    const bytes = Buffer.from(`S'${'A'.repeat(5000)}'\n0cos\nsystem\n(S'id'\ntR.`, 'latin1');
    for (const name of ['pytorch_model.bin', 'notes.txt', 'README.md']) {
      const report = await scan(bytes, name);
      expect(codes(report), name).toContain('PICKLE_DENIED_GLOBAL');
      expect(codes(report), name).toContain('POLYGLOT_PICKLE');
    }
  });

  it('does not flag ordinary text that starts with a pickle opcode letter', async () => {
    const texts = [
      'import torch\nfrom x import y\n',
      'config for the model\nsecond line\n',
      'license: apache-2.0\n',
      'a b c\n' .repeat(100),
      'S\'quoted\' words\nmore\n',
      '(parenthetical remark)\n',
    ];
    for (const text of texts) {
      const report = await scan(Buffer.from(text), 'notes.txt');
      expect(codes(report), text).not.toContain('POLYGLOT_PICKLE');
      expect(report.format).toBe('text');
    }
  });
});
