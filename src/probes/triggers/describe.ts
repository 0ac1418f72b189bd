import type { TriggerEvidence } from '../types.js';

/** A short human description of a trigger, for summaries. */
export function describeTrigger(e: TriggerEvidence): string {
  const p = e.params;
  switch (e.family) {
    case 'patch':
      return `${String(p['size'])}x${String(p['size'])} ${String(p['pattern'])} patch at (${String(p['x'])},${String(p['y'])})`;
    case 'blend':
      return `${String(p['pattern'])} blend alpha ${String(p['alpha'])}`;
    case 'sparse':
      return `${String(p['k'])} ${String(p['value'])} pixels`;
    case 'sig':
      return `sinusoid delta ${String(p['delta255'])}/255 f ${String(p['frequency'])}`;
    case 'filter':
      return `${String(p['name'])} colour filter`;
    case 'mask':
      return `recovered mask of ${String(p['pixelCount'])} px`;
    case 'rare-token':
    case 'token-group': {
      // The tokenizer's spelling, when known; JSON.stringify keeps a hostile spelling on one line.
      const words = Array.isArray(p['words']) ? (p['words'] as Array<string | null>) : [];
      const shown = (p['tokens'] as number[]).map((t, i) => (typeof words[i] === 'string' ? `${t} ${JSON.stringify(words[i])}` : String(t)));
      return `token(s) [${shown.join(', ')}] at ${String(p['position'])}`;
    }
    default:
      return e.family;
  }
}

export function formatP(p: number): string {
  return p === 0 ? '<1e-300' : p < 1e-3 ? p.toExponential(1) : p.toFixed(3);
}

export function describeEvidence(e: TriggerEvidence): string {
  return (
    `${describeTrigger(e)} pushes ${(e.asr * 100).toFixed(0)}% of ${e.inputs} inputs from ${e.sourceClasses} classes ` +
    `to class ${e.targetClass} (best control ${(e.controlAsr * 100).toFixed(0)}%, p ${formatP(e.pValue)})`
  );
}
