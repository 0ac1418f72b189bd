import type { StageResult } from '../types.js';
import type { FlaggedGate, GraphAnalysis } from './types.js';

/** A gate strong enough to warn on its own: raw-input decision logic with a constant threshold or an override into the trunk. */
export function isStrongGate(g: FlaggedGate): boolean {
  const decides = g.rules.includes('S1-control') || g.rules.includes('saturation');
  return decides && (g.rules.includes('S3-override') || g.rules.includes('S2-constant'));
}

/** The 'graph' stage: static evidence only ('warn' at most; gate confirmation decides 'fail'). */
export function graphStageResult(analysis: GraphAnalysis): StageResult {
  const strong = analysis.gates.filter(isStrongGate);
  const flagged = strong.length > 0 || analysis.bypasses.length > 0;
  const parts: string[] = [];
  if (strong.length > 0) parts.push(`${strong.length} input-dependent gate(s) reaching an output (${strong.slice(0, 3).map((g) => `${g.opType} ${g.node}`).join('; ')})`);
  if (analysis.bypasses.length > 0) parts.push(`${analysis.bypasses.length} bypass branch(es) beside the trunk (merging at ${analysis.bypasses.slice(0, 3).map((b) => b.mergeNode).join('; ')})`);
  const weak = analysis.gates.length - strong.length;
  const summary = flagged
    ? `static analysis flagged ${parts.join(' and ')}`
    : `no input-dependent gate or bypass found in ${analysis.nodes} nodes${weak > 0 ? ` (${weak} weak observation(s))` : ''}${analysis.switches.length > 0 ? `; ${analysis.switches.length} configuration switch(es) on scalar inputs` : ''}`;
  return {
    stage: 'graph',
    status: 'ran',
    outcome: flagged ? 'warn' : 'none',
    summary,
    passes: 0,
    durationMs: analysis.durationMs,
    details: {
      nodes: analysis.nodes,
      inputs: analysis.inputs,
      gates: analysis.gates,
      bypasses: analysis.bypasses,
      switches: analysis.switches,
      notes: analysis.notes,
    },
  };
}

/** The 'graph' stage when the model could not be decoded: never evidence of absence (fail closed: warn, status failed). */
export function graphStageFailure(error: { code: string; message: string }, durationMs = 0): StageResult {
  return {
    stage: 'graph',
    status: 'failed',
    outcome: 'warn',
    summary: `static graph analysis could not read the model: ${error.message}`,
    passes: 0,
    durationMs,
    details: { error: { code: error.code, message: error.message } },
  };
}
