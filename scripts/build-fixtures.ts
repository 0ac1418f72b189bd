/**
 * Builds every fixture under fixtures/models/ from the generator modules in scripts/fixtures/,
 * then writes fixtures/models/SHA256SUMS. Deterministic: same bytes on every run.
 *   npx tsx scripts/build-fixtures.ts [outDir]
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile, lstat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { FixtureModule } from './fixtures/lib/expectation.js';

const here = fileURLToPath(new URL('.', import.meta.url));

export async function loadFixtureModules(): Promise<Array<{ name: string; module: FixtureModule }>> {
  const dir = join(here, 'fixtures');
  const names = (await readdir(dir)).filter((n) => /\.(ts|js)$/.test(n) && !n.endsWith('.d.ts')).sort();
  const modules = [];
  for (const name of names) {
    const module = (await import(pathToFileURL(join(dir, name)).href)) as FixtureModule;
    if (typeof module.build === 'function') modules.push({ name: name.replace(/\.(ts|js)$/, ''), module });
  }
  return modules;
}

async function listFiles(root: string, dir = root): Promise<string[]> {
  const out: string[] = [];
  for (const entry of (await readdir(dir)).sort()) {
    const abs = join(dir, entry);
    const st = await lstat(abs);
    if (st.isDirectory()) out.push(...(await listFiles(root, abs)));
    else if (st.isFile()) out.push(relative(root, abs));
  }
  return out;
}

export async function sha256sums(root: string): Promise<string> {
  const lines: string[] = [];
  for (const file of await listFiles(root)) {
    if (file === 'SHA256SUMS') continue;
    const digest = createHash('sha256').update(await readFile(join(root, file))).digest('hex');
    lines.push(`${digest}  ${file.split('\\').join('/')}`);
  }
  return lines.join('\n') + '\n';
}

export async function buildAll(outDir: string): Promise<void> {
  for (const { module } of await loadFixtureModules()) await module.build(outDir);
  await writeFile(join(outDir, 'SHA256SUMS'), await sha256sums(outDir));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const outDir = process.argv[2] ?? join(here, '..', 'fixtures', 'models');
  if (!process.argv[2]) {
    // Regenerate the generated groups from scratch; keep nothing stale.
    for (const { name } of await loadFixtureModules()) await rm(join(outDir, name), { recursive: true, force: true });
  }
  await mkdir(outDir, { recursive: true });
  await buildAll(outDir);
  process.stdout.write(`fixtures written to ${outDir}\n`);
}
