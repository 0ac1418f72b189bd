/**
 * Generates docs/findings.md from the code tables in src/ (the single source of truth).
 *   npx tsx scripts/findings-doc.ts         # rewrite docs/findings.md
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { CODE_TABLES } from '../src/codes.js';

export function renderFindingsDoc(): string {
  const out: string[] = [
    '# Finding codes',
    '',
    'Generated from the code tables in `src/` by `npx tsx scripts/findings-doc.ts`; a test keeps it in sync.',
    'Codes are stable: CI scripts may match on them. **incomplete** means the content could not be fully',
    'analysed: such a finding denies under every policy and cannot be waived.',
    '',
    'Details per format (what triggers each code, with the bypass it covers) are in `docs/findings/`.',
    '',
  ];
  for (const [group, table] of Object.entries(CODE_TABLES)) {
    out.push(`## ${group}`, '', '| code | severity | incomplete | meaning |', '|---|---|---|---|');
    for (const [code, info] of Object.entries(table).sort(([a], [b]) => (a < b ? -1 : 1))) {
      out.push(`| <a id="${code.toLowerCase()}"></a>\`${code}\` | ${info.severity} | ${info.incomplete ? 'yes' : ''} | ${info.title.replace(/\|/g, '\\|')} |`);
    }
    out.push('');
  }
  return out.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await writeFile(new URL('../docs/findings.md', import.meta.url), renderFindingsDoc());
  process.stdout.write('docs/findings.md written\n');
}
