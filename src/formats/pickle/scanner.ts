import { makeFinding } from '../../core/finding.js';
import { readAll } from '../../core/source.js';
import type { FormatScanner } from '../types.js';
import { PICKLE_CODES } from './codes.js';
import type { PickleFacts } from './facts.js';
import { scanPickles } from './scan.js';

function emptyFacts(): PickleFacts {
  return { pickles: [], imports: [], calls: [], persistentIds: [], end: 0, results: [], callCount: 0, joblibArrays: [] };
}

/** A whole byte source as a pickle stream: every pickle to EOF, then the trailing-data check. */
export const pickleScanner: FormatScanner<PickleFacts> = {
  format: 'pickle',
  async scan(source, ctx) {
    if (source.size > ctx.limits.maxPickleBytes) {
      return {
        format: 'pickle',
        facts: emptyFacts(),
        findings: [
          makeFinding(PICKLE_CODES, 'PICKLE_TOO_LARGE', ctx, `${source.label}: ${source.size} bytes of pickle exceed the ${ctx.limits.maxPickleBytes}-byte analysis limit`, {
            bytes: source.size,
            limit: ctx.limits.maxPickleBytes,
          }),
        ],
        children: [],
      };
    }
    const bytes = await readAll(source);
    const scan = await scanPickles(bytes, ctx);
    return { format: 'pickle', facts: scan.facts, findings: scan.findings, children: scan.children };
  },
};
