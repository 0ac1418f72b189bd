/** Stable codes of the probe runtime's failures; the probes stage turns them into findings. */
export type ProbeRuntimeErrorCode =
  /** onnxruntime could not create a session (invalid graph, unsupported or custom op, external data). */
  | 'PROBE_RUNTIME_LOAD'
  /** A forward pass failed inside onnxruntime. */
  | 'PROBE_RUNTIME_RUN'
  /** The caller's input does not match the profile (length, dtype, non-integral token ids). */
  | 'PROBE_RUNTIME_INPUT'
  /** The model's answer is not the profile's [N, C] score tensor. */
  | 'PROBE_RUNTIME_OUTPUT'
  /** A forward pass ran past the limit (worker isolation only) and was abandoned. */
  | 'PROBE_RUNTIME_TIMEOUT';

export class ProbeRuntimeError extends Error {
  override name = 'ProbeRuntimeError';
  constructor(
    readonly code: ProbeRuntimeErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Thrown before any inference when a request needs more forward passes than the budget has left. */
export class BudgetExhaustedError extends Error {
  override name = 'BudgetExhaustedError';
  readonly code = 'PROBE_BUDGET_EXHAUSTED';
  constructor(
    readonly requested: number,
    readonly remaining: number,
    readonly total: number,
  ) {
    super(`forward-pass budget exhausted: ${requested} passes requested, ${remaining} of ${total} left`);
  }
}

/** First line of an onnxruntime message, bounded: ORT errors can carry multi-line dumps and file paths. */
export function oneLine(error: unknown, max = 300): string {
  const text = error instanceof Error ? error.message : String(error);
  const line = (text.split(/\r?\n/).find((l) => l.trim() !== '') ?? '').replace(/[\x00-\x1f\x7f]/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max)}…` : line;
}
