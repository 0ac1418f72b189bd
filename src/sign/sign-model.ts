import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { describeError } from '../core/errors.js';
import { SignatureError, SignatureRejection } from '../verify/oms/errors.js';
import { hashModel, omsRootDigest, type Serialization } from '../verify/oms/manifest.js';
import { IN_TOTO_PAYLOAD_TYPE } from '../attest/constants.js';
import { LOCKFILE_NAME } from '../verify/lockfile.js';
import { signDsse, type SignerSpec } from './dsse-signer.js';
import { SignError } from './errors.js';
import { recordedIgnorePaths } from './ignore-paths.js';
import { omsStatement } from './oms-statement.js';
import { writeFileAtomic } from './write-file.js';

/** model_signing's CLI default: `model.sig` in the working folder (not inside the model). */
export const DEFAULT_SIGNATURE_PATH = 'model.sig';

export interface SignModelOptions {
  modelPath: string;
  signer: SignerSpec;
  /** Where to write the bundle; relative to `cwd`. Default DEFAULT_SIGNATURE_PATH. */
  signaturePath?: string;
  /** Paths to leave unsigned: relative to `cwd` when that lands inside the model (model_signing), else to the model folder. Recorded. */
  ignorePaths?: string[];
  /** Record and skip .git, .gitattributes, .github, .gitignore at the model root (default true). */
  ignoreGitPaths?: boolean;
  hashType?: 'sha256' | 'blake2b';
  /** Shard serialization with this shard size in bytes (model_signing's default is 1e9); files serialization when absent. */
  shardSize?: number;
  allowSymlinks?: boolean;
  /**
   * Record the folder's own `modelscan.lock` as ignored (default true): `check` leaves a local folder's
   * lockfile out of the model, so a folder locked before it was signed must not have it signed.
   */
  ignoreLockfile?: boolean;
  /** Folder relative paths resolve against (default process.cwd()). */
  cwd?: string;
}

export interface SignModelResult {
  signaturePath: string;
  method: SignerSpec['method'];
  modelName: string;
  rootDigest: string;
  resources: number;
  serialization: Serialization;
}

/** model_signing's subject name: the last path component, or the resolved folder's name for "", "." and "..". */
export function omsModelName(modelPath: string, cwd: string): string {
  const trimmed = modelPath.replace(/\/+$/, '');
  const last = trimmed.split('/').pop() ?? '';
  return last === '' || last === '.' || last === '..' ? basename(resolve(cwd, modelPath)) : last;
}

/** Hashes the model as model_signing v1.1 does, signs the statement and writes an OMS `model.sig`. */
export async function signModel(o: SignModelOptions): Promise<SignModelResult> {
  const cwd = o.cwd ?? process.cwd();
  const signaturePath = resolve(cwd, o.signaturePath ?? DEFAULT_SIGNATURE_PATH);
  const modelPath = resolve(cwd, o.modelPath);
  const isFolder = await stat(modelPath).then((st) => st.isDirectory(), () => false);
  const ignorePaths = recordedIgnorePaths({
    modelPath: o.modelPath,
    userPaths: o.ignorePaths ?? [],
    signaturePath,
    ignoreGitPaths: o.ignoreGitPaths ?? true,
    cwd,
    modelPaths: isFolder && (o.ignoreLockfile ?? true) ? [LOCKFILE_NAME] : [],
  });
  const hashType = o.hashType ?? 'sha256';
  const allowSymlinks = o.allowSymlinks ?? false;
  const serialization: Serialization =
    o.shardSize === undefined
      ? { method: 'files', hashType, allowSymlinks, ignorePaths }
      : { method: 'shards', hashType, shardSize: o.shardSize, allowSymlinks, ignorePaths };
  let resources;
  try {
    resources = await hashModel(modelPath, serialization, { ignore: [] });
  } catch (error) {
    if (error instanceof SignatureError || error instanceof SignatureRejection) throw new SignError('SIGN_MODEL_UNREADABLE', `${o.modelPath}: ${error.message}`);
    throw new SignError('SIGN_MODEL_UNREADABLE', `${o.modelPath}: cannot hash model (${describeError(error)})`);
  }
  if (resources.length === 0) throw new SignError('SIGN_MODEL_UNREADABLE', `${o.modelPath}: no file to sign after the ignored paths`);
  const modelName = omsModelName(o.modelPath, cwd);
  const statement = omsStatement(modelName, resources, serialization);
  const payload = Buffer.from(JSON.stringify(statement, null, 2), 'utf8');
  const bundle = await signDsse(IN_TOTO_PAYLOAD_TYPE, payload, o.signer);
  await writeFileAtomic(signaturePath, JSON.stringify(bundle));
  return { signaturePath, method: o.signer.method, modelName, rootDigest: omsRootDigest(resources), resources: resources.length, serialization };
}
