import { cp, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check } from '../../src/check.js';
import type { Report } from '../../src/core/report.js';

const EXAMPLE = new URL('../../fixtures/models/example/', import.meta.url);

/** A fresh copy of the example model (APPROVE under the default policy) and its real check report. */
export async function approvedModel(): Promise<{ dir: string; model: string; report: Report }> {
  const dir = await mkdtemp(join(tmpdir(), 'modelscan-attest-'));
  const model = join(dir, 'example');
  await cp(EXAMPLE, model, { recursive: true });
  const report = await check(model);
  if (report.verdict !== 'APPROVE') throw new Error(`fixture expected APPROVE, got ${report.verdict}: ${report.reasons.join('; ')}`);
  return { dir, model, report };
}

/** Copies a model folder so a test can tamper with it without touching the others. */
export async function copyModel(model: string, dir: string, name: string): Promise<string> {
  const out = join(dir, name);
  await cp(model, out, { recursive: true });
  return out;
}
