import type { ProbeSummary } from './predicate.js';

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * A compact summary of the probes stage's per-model reports (src/probes/types.ts ModelProbeReport):
 * file, passes, conclusion and each stage's status and outcome. Accepts the reports as an array or
 * under `models`; anything not shaped like them is left out rather than guessed at.
 */
export function summarizeProbes(probes: unknown): ProbeSummary | undefined {
  const list = Array.isArray(probes) ? probes : Array.isArray((probes as { models?: unknown })?.models) ? (probes as { models: unknown[] }).models : undefined;
  if (!list) return undefined;
  const models: ProbeSummary['models'] = [];
  for (const item of list) {
    if (!item || typeof item !== 'object') continue;
    const m = item as Record<string, unknown>;
    const file = str(m['file']);
    if (file === undefined) continue;
    const stages = Array.isArray(m['stages']) ? m['stages'] : [];
    models.push({
      file,
      passes: num(m['passes']) ?? 0,
      conclusion: str(m['conclusion']) ?? str(m['unprobeable']) ?? '',
      stages: stages
        .filter((s): s is Record<string, unknown> => !!s && typeof s === 'object')
        .map((s) => ({ stage: str(s['stage']) ?? '', status: str(s['status']) ?? '', outcome: str(s['outcome']) ?? '' })),
    });
  }
  return { models };
}
