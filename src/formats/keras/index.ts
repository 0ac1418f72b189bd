import { FormatError } from '../../core/errors.js';
import { makeFinding, type Finding } from '../../core/finding.js';
import type { ByteSource } from '../../core/source.js';
import { JsonSyntaxError, parseStrictJson, toPlain } from '../safetensors/strict-json.js';
import type { FormatReport, FormatScanner, ScanContext } from '../types.js';
import { HDF5_CODES, KERAS_CODES, type Hdf5Code } from './codes.js';
import { analyseKerasConfig, type KerasConfigFacts } from './config.js';
import { findSuperblock, readRootAttributes, signatureAt } from './hdf5.js';

export { analyseKerasConfig, type KerasConfigFacts } from './config.js';
export { HDF5_CODES, KERAS_CODES } from './codes.js';

export interface Hdf5Facts {
  superblockVersion: number | null;
  superblockOffset: number | null;
  objectHeaderVersion: number | null;
  /** Root group attribute names (first 100). */
  rootAttributes: string[];
  kerasVersion: string | null;
  backend: string | null;
  /** Analysis of `model_config`, when present. */
  keras: KerasConfigFacts | null;
}

/** HDF5 signature at 0, 512, 1024 or 2048 (the superblock search rule, within a sniffed head). */
export function looksLikeHdf5(head: Uint8Array): boolean {
  return [0, 512, 1024, 2048].some((at) => head.length >= at + 8 && signatureAt(head, at));
}

const CONFIG_ATTRIBUTES = ['model_config', 'training_config'];

async function scan(source: ByteSource, ctx: ScanContext): Promise<FormatReport<Hdf5Facts>> {
  const findings: Finding[] = [];
  const facts: Hdf5Facts = { superblockVersion: null, superblockOffset: null, objectHeaderVersion: null, rootAttributes: [], kerasVersion: null, backend: null, keras: null };
  const add = (code: Hdf5Code, message: string, evidence: Record<string, unknown> = {}) =>
    findings.push(makeFinding(HDF5_CODES, code, ctx, `${source.label}: ${message}`, evidence));
  const done = (): FormatReport<Hdf5Facts> => ({ format: 'hdf5', facts, findings, children: [] });

  try {
    const sb = await findSuperblock(source);
    if (!sb) {
      add('HDF5_MALFORMED', 'no HDF5 superblock signature at 0, 512, 1024, ...');
      return done();
    }
    facts.superblockVersion = sb.version;
    facts.superblockOffset = sb.offset;
    const root = await readRootAttributes(source, sb);
    facts.objectHeaderVersion = root.objectHeaderVersion;
    facts.rootAttributes = root.attributes.slice(0, 100).map((a) => a.name.slice(0, 128));

    const names = new Set<string>();
    for (const a of root.attributes) {
      if (names.has(a.name)) add('HDF5_DUPLICATE_ATTRIBUTE', `root attribute ${JSON.stringify(a.name.slice(0, 128))} appears twice`, { name: a.name.slice(0, 128) });
      names.add(a.name);
      if (a.name === 'keras_version' && a.text !== undefined) facts.kerasVersion = a.text.slice(0, 64);
      if (a.name === 'backend' && a.text !== undefined) facts.backend = a.text.slice(0, 64);
    }
    // Every copy is analysed: with duplicates, which one a reader picks is not ours to guess.
    for (const attribute of root.attributes.filter((a) => CONFIG_ATTRIBUTES.includes(a.name))) {
      const name = attribute.name;
      if (attribute.text === undefined) {
        add('HDF5_UNVERIFIED', `root attribute ${name} could not be decoded (${attribute.undecodable}); Lambda layers cannot be ruled out`, { attribute: name, reason: attribute.undecodable });
        continue;
      }
      const analysis = analyseConfigText(attribute.text, name, ctx, source.label);
      findings.push(...analysis.findings);
      if (name === 'model_config') facts.keras ??= analysis.facts;
    }
    if (root.unread.length > 0) {
      add('HDF5_UNVERIFIED', `root attributes not fully read (${[...new Set(root.unread)].join(', ')}); Lambda layers cannot be ruled out`, { reasons: [...new Set(root.unread)] });
    } else if (!names.has('model_config')) {
      add('HDF5_NO_MODEL_CONFIG', 'no Keras model_config attribute on the root group (data or weights only)');
    }
  } catch (error) {
    if (!(error instanceof FormatError) || !(error.code in HDF5_CODES)) throw error;
    add(error.code as Hdf5Code, `${error.message}${error.offset === undefined ? '' : ` at offset ${error.offset}`}`, { offset: error.offset });
  }
  return done();
}

function analyseConfigText(text: string, name: string, ctx: ScanContext, label: string): { facts: KerasConfigFacts | null; findings: Finding[] } {
  const at = { file: ctx.file, location: [...ctx.location, name] };
  let parsed;
  try {
    parsed = parseStrictJson(text);
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    return { facts: null, findings: [makeFinding(KERAS_CODES, 'KERAS_CONFIG_INVALID', at, `${label}: ${name} is not valid JSON: ${error.message}`, { offset: error.offset })] };
  }
  const result = analyseKerasConfig(toPlain(parsed.value), at);
  for (const dup of parsed.duplicates.slice(0, 10)) {
    result.findings.push(makeFinding(KERAS_CODES, 'KERAS_CONFIG_INVALID', at, `${label}: ${name} repeats key ${JSON.stringify(dup.key)} in ${dup.path}`, { key: dup.key, path: dup.path }));
  }
  return result;
}

export const hdf5Scanner: FormatScanner<Hdf5Facts> = { format: 'hdf5', scan };
