import { unsafePathReason } from '../verify/oms/paths.js';
import { CHECK_PREDICATE_TYPE, IN_TOTO_STATEMENT_TYPE } from './constants.js';
import { AttestRejection } from './errors.js';
import type { CheckPredicate, CheckStatement, StatementSubject } from './predicate.js';

const SHA256_HEX = /^[0-9a-f]{64}$/;
/** A statement listing more files than this is not one modelscan wrote. */
export const MAX_SUBJECTS = 1_000_000;

function invalid(why: string): never {
  throw new AttestRejection('ATTEST_STATEMENT_INVALID', `statement: ${why}`);
}

function object(value: unknown, where: string): Record<string, unknown> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) invalid(`${where} is not an object`);
  return value as Record<string, unknown>;
}

function string(value: unknown, where: string): string {
  if (typeof value !== 'string') invalid(`${where} is not a string`);
  return value;
}

function sha256(value: unknown, where: string): string {
  if (typeof value !== 'string' || !SHA256_HEX.test(value)) invalid(`${where} is not a lowercase sha256 hex digest`);
  return value;
}

function count(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) invalid(`${where} is not a count`);
  return value;
}

function subject(value: unknown, index: number): StatementSubject {
  const s = object(value, `subject[${index}]`);
  const digest = object(s['digest'], `subject[${index}].digest`);
  return { name: string(s['name'], `subject[${index}].name`), digest: { sha256: sha256(digest['sha256'], `subject[${index}].digest.sha256`) } };
}

/**
 * Strict parse of a check statement: in-toto v1, our predicate type, subject[0] the model and every
 * later subject a safe, unique, model-relative file path with a sha256, and the predicate fields the
 * verifier relies on. Fields it does not rely on are kept as signed.
 */
export function parseCheckStatement(payload: Buffer): CheckStatement {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  } catch {
    invalid('payload is not UTF-8 JSON');
  }
  const st = object(raw, 'payload');
  if (st['_type'] !== IN_TOTO_STATEMENT_TYPE) invalid(`_type is not ${IN_TOTO_STATEMENT_TYPE}`);
  if (st['predicateType'] !== CHECK_PREDICATE_TYPE) invalid(`predicateType ${JSON.stringify(String(st['predicateType']).slice(0, 80))} is not ${CHECK_PREDICATE_TYPE}`);
  const subjects = st['subject'];
  if (!Array.isArray(subjects) || subjects.length === 0) invalid('no subject');
  if (subjects.length > MAX_SUBJECTS + 1) invalid(`more than ${MAX_SUBJECTS} file subjects`);
  const parsed = subjects.map(subject);
  const seen = new Set<string>();
  for (const f of parsed.slice(1)) {
    const unsafe = unsafePathReason(f.name);
    if (unsafe !== null || f.name === '.') invalid(`file subject ${JSON.stringify(f.name.slice(0, 200))}: ${unsafe ?? 'not a file path'}`);
    if (seen.has(f.name)) invalid(`file subject ${JSON.stringify(f.name.slice(0, 200))} listed twice`);
    seen.add(f.name);
  }

  const p = object(st['predicate'], 'predicate');
  const verdict = p['verdict'];
  if (verdict !== 'APPROVE' && verdict !== 'DENY') invalid('predicate.verdict is neither APPROVE nor DENY');
  const reasons = p['reasons'];
  if (!Array.isArray(reasons) || reasons.some((r) => typeof r !== 'string')) invalid('predicate.reasons is not a list of strings');
  const policy = object(p['policy'], 'predicate.policy');
  const tool = object(p['tool'], 'predicate.tool');
  const model = object(p['model'], 'predicate.model');
  const rootDigest = object(model['rootDigest'], 'predicate.model.rootDigest');
  const excluded = p['excludedPaths'] ?? [];
  if (!Array.isArray(excluded) || excluded.some((e) => typeof e !== 'string' || unsafePathReason(e) !== null || e === '.')) invalid('predicate.excludedPaths is not a list of model-relative paths');
  const findings = object(p['findings'], 'predicate.findings');
  const predicate: CheckPredicate = {
    ...(p as unknown as CheckPredicate),
    verdict,
    reasons: reasons as string[],
    policy: { name: string(policy['name'], 'predicate.policy.name'), source: string(policy['source'], 'predicate.policy.source'), sha256: sha256(policy['sha256'], 'predicate.policy.sha256') },
    tool: { name: string(tool['name'], 'predicate.tool.name'), version: string(tool['version'], 'predicate.tool.version') },
    model: {
      name: string(model['name'], 'predicate.model.name'),
      rootDigest: { sha256: sha256(rootDigest['sha256'], 'predicate.model.rootDigest.sha256') },
      files: count(model['files'], 'predicate.model.files'),
      bytes: count(model['bytes'], 'predicate.model.bytes'),
    },
    excludedPaths: excluded as string[],
    findings: { ...(findings as unknown as CheckPredicate['findings']), denying: count(findings['denying'], 'predicate.findings.denying') },
  };
  const [modelSubject] = parsed;
  if (modelSubject!.name !== predicate.model.name) invalid('subject[0] is not the model named in predicate.model.name');
  if (modelSubject!.digest.sha256 !== predicate.model.rootDigest.sha256) invalid('subject[0] digest differs from predicate.model.rootDigest');
  if (predicate.model.files !== parsed.length - 1) invalid(`predicate.model.files says ${predicate.model.files}, the statement lists ${parsed.length - 1}`);
  return { _type: IN_TOTO_STATEMENT_TYPE, subject: parsed, predicateType: CHECK_PREDICATE_TYPE, predicate };
}
