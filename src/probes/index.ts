import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { makeFinding, type Finding } from '../core/finding.js';
import { describeError } from '../core/errors.js';
import { PROBE_CODES } from './codes.js';
import { defaultParts } from './default-parts.js';
import type { ProbeParts } from './parts.js';
import type { ProbesPolicy } from './policy.js';
import { displayName } from './graph/flatten.js';
import { oneLine } from './runtime/errors.js';
import { probeModel, type ModelProbeContext } from './run-model.js';
import type { GoldenSet, ModelProbeReport } from './types.js';

export { PROBE_CODES } from './codes.js';
export { PROBES_POLICY_SPEC, toProbesPolicy, DEFAULT_PROBES_POLICY, type ProbesPolicy } from './policy.js';
export type { ModelProbeReport } from './types.js';

/** protobuf cannot hold a ModelProto over 2 GiB; larger .onnx files are not read into memory. */
const MAX_MODEL_BYTES = 2 ** 31;

export interface RunProbesInput {
  /** Every scanned file; the ONNX ones (format 'onnx') are probed. */
  files: Array<{ path: string; absPath: string; format: string; nested?: Array<{ location: string; format: string }> }>;
  policy: ProbesPolicy;
  /** `--golden PATH` (relative to the working directory): wins over probes.golden. */
  goldenOverride?: string;
  /** Folder of the policy file: probes.golden and probes.reference_model are relative to it. */
  policyDir: string;
  /** The stage implementations (tests only; the product uses the real modules). */
  parts?: ProbeParts<any>;
}

export interface RunProbesResult {
  reports: ModelProbeReport[];
  findings: Finding[];
}

const targetFinding = (code: 'PROBE_GOLDEN_INVALID', message: string, evidence: Record<string, unknown>) =>
  makeFinding(PROBE_CODES, code, { file: '.', location: [] }, message, evidence);

/** The probes stage for a whole target: one report per ONNX model and the findings the policy decides on. */
export async function runProbes(o: RunProbesInput): Promise<RunProbesResult> {
  const parts = o.parts ?? defaultParts();
  const models = o.files.filter((f) => f.format === 'onnx');
  const findings: Finding[] = [...nestedModelFindings(o.files, o.policy)];
  const reports: ModelProbeReport[] = [];
  if (models.length === 0) {
    // Fail closed: a policy that requires probes cannot approve a target the probes could not look at
    // (an empty target included).
    if (o.policy.required && findings.length === 0)
      findings.push(makeFinding(PROBE_CODES, 'PROBE_INCOMPLETE', { file: '.', location: [] }, 'the policy requires probes and the target holds no ONNX model (the probes run on ONNX classifiers only)', { cause: 'PROBE_UNPROBEABLE', reasons: ['no ONNX model in the target'], stagesNotRun: o.policy.stages }));
    return { reports, findings };
  }

  const goldenPath = o.goldenOverride !== undefined ? resolve(o.goldenOverride) : o.policy.golden !== null ? resolveFrom(o.policyDir, o.policy.golden) : null;
  let golden: ModelProbeContext<unknown>['golden'] = { missing: 'none' };
  if (goldenPath !== null) {
    try {
      golden = { set: (await parts.loadGoldenSet(goldenPath)) as GoldenSet };
    } catch (error) {
      const reason = oneLine(describeError(error));
      findings.push(targetFinding('PROBE_GOLDEN_INVALID', `golden set ${goldenPath}: ${reason}`, { golden: goldenPath, reason }));
      golden = { missing: 'invalid' };
    }
  }
  let reference: Uint8Array | undefined;
  if (o.policy.referenceModel !== null) {
    const refPath = resolveFrom(o.policyDir, o.policy.referenceModel);
    try {
      reference = await readModel(refPath);
    } catch (error) {
      const reason = oneLine(describeError(error));
      findings.push(targetFinding('PROBE_GOLDEN_INVALID', `reference model ${refPath}: ${reason}`, { referenceModel: refPath, reason }));
      golden = { missing: 'invalid' };
    }
  }

  // One model at a time: inference already uses the cores, and memory stays one model's worth.
  for (const file of models) {
    let bytes: Uint8Array;
    try {
      bytes = await readModel(file.absPath);
    } catch (error) {
      const reason = oneLine(describeError(error));
      findings.push(makeFinding(PROBE_CODES, 'PROBE_GRAPH_UNANALYSED', { file: file.path, location: [] }, `${file.path}: cannot read the model for probing: ${reason}`, { reason }));
      reports.push({ file: file.path, profile: null, unprobeable: reason, stages: [], passes: 0, durationMs: 0, conclusion: `not probed: ${reason}` });
      continue;
    }
    const outcome = await probeModel(file.path, bytes, { parts, policy: o.policy, golden, modelDir: dirname(file.absPath), ...(reference ? { reference } : {}) });
    reports.push(outcome.report);
    findings.push(...outcome.findings);
  }
  return { reports, findings };
}

/**
 * ONNX models inside archives are not extracted for probing: a note when probes are optional, and
 * PROBE_INCOMPLETE when they are required (a clean top-level model must not hide a nested one).
 */
function nestedModelFindings(files: RunProbesInput['files'], policy: ProbesPolicy): Finding[] {
  const out: Finding[] = [];
  for (const file of files) {
    const nested = (file.nested ?? []).filter((n) => n.format === 'onnx').map((n) => n.location);
    if (nested.length === 0) continue;
    const shown = nested.slice(0, 3).map(displayName).join(', ') + (nested.length > 3 ? ` and ${nested.length - 3} more` : '');
    const message = `${displayName(file.path)}: ${nested.length} ONNX model(s) inside the archive (${shown}) are not probed: extract them and check them on their own`;
    const evidence = { cause: 'PROBE_UNPROBEABLE', reasons: ['ONNX model inside an archive'], nested: nested.slice(0, 32), stagesNotRun: policy.stages };
    out.push(makeFinding(PROBE_CODES, policy.required ? 'PROBE_INCOMPLETE' : 'PROBE_UNPROBEABLE', { file: file.path, location: [] }, message, evidence));
  }
  return out;
}

function resolveFrom(dir: string, path: string): string {
  return isAbsolute(path) ? path : resolve(dir, path);
}

async function readModel(path: string): Promise<Uint8Array> {
  const info = await stat(path);
  if (!info.isFile()) throw new Error('not a regular file');
  if (info.size > MAX_MODEL_BYTES) throw new Error(`${info.size} bytes is over the 2 GiB protobuf limit`);
  return new Uint8Array(await readFile(path));
}
