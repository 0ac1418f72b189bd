import type { Finding } from '../../core/finding.js';

export type AnalyseKerasConfig = (
  config: unknown,
  at: { file: string; location: readonly string[] },
) => { facts: Record<string, unknown>; findings: Finding[] };

/**
 * The Keras config analyser lives in src/formats/keras/ (another module); it is loaded lazily so a
 * build without it still scans zips, and reports the config as unanalysed instead of approving it.
 */
export async function loadKerasAnalyser(): Promise<AnalyseKerasConfig | undefined> {
  const specifier = '../keras/index.js';
  try {
    const module = (await import(specifier)) as { analyseKerasConfig?: AnalyseKerasConfig };
    return typeof module.analyseKerasConfig === 'function' ? module.analyseKerasConfig : undefined;
  } catch {
    // Not built yet (or failed to load): the caller reports the config as unanalysed.
    return undefined;
  }
}
