import { X509Certificate as NodeX509 } from 'node:crypto';
import { X509Certificate as CoreX509 } from '@sigstore/core';
import { SignatureRejection } from './errors.js';

const OID_SAN = '2.5.29.17';
export const OID_EKU_CODE_SIGNING = '1.3.6.1.5.5.7.3.3';

/** What the checks need from one certificate, parsed once (node:crypto for signatures, @sigstore/core for extensions). */
export interface CertInfo {
  node: NodeX509;
  der: Buffer;
  subject: string;
  notBefore: Date;
  notAfter: Date;
  /** undefined: no basicConstraints extension. */
  basicConstraints: { ca: boolean; pathLen: number | undefined } | undefined;
  /** undefined: no keyUsage extension. */
  keyUsage: { digitalSignature: boolean; keyCertSign: boolean } | undefined;
  /** undefined: no extendedKeyUsage extension. */
  extKeyUsage: string[] | undefined;
  /** Every SAN value as text (email, DNS, URI, IP, otherName UTF8/IA5 value). */
  sans: string[];
  fingerprint256: string;
}

export function parseCertificate(der: Buffer, where: string): CertInfo {
  let node: NodeX509;
  let core: CoreX509;
  try {
    node = new NodeX509(der);
    core = CoreX509.parse(Buffer.from(der) as Buffer<ArrayBuffer>);
  } catch (error) {
    throw new SignatureRejection('SIGNATURE_MALFORMED', `${where}: not a valid X.509 certificate (${(error as Error).message.slice(0, 80)})`);
  }
  return {
    node,
    der,
    subject: (node.subject ?? '').replace(/\n/g, ', ') || '(empty subject)',
    notBefore: core.notBefore,
    notAfter: core.notAfter,
    basicConstraints: safe(() => {
      const bc = core.extBasicConstraints;
      if (!bc) return undefined;
      const pathLen = bc.pathLenConstraint;
      return { ca: bc.isCA, pathLen: pathLen === undefined ? undefined : Number(pathLen) };
    }, { ca: false, pathLen: 0 }),
    keyUsage: safe(() => {
      const ku = core.extKeyUsage;
      return ku ? { digitalSignature: ku.digitalSignature, keyCertSign: ku.keyCertSign } : undefined;
    }, { digitalSignature: false, keyCertSign: false }),
    extKeyUsage: node.keyUsage ?? undefined,
    sans: safe(() => subjectAltNames(core), []),
    fingerprint256: node.fingerprint256,
  };
}

/** A malformed extension counts as "grants nothing" (fail closed), never as absent. */
function safe<T>(fn: () => T, onError: T): T {
  try {
    return fn();
  } catch {
    return onError;
  }
}

function subjectAltNames(core: CoreX509): string[] {
  const ext = core.extension(OID_SAN);
  if (!ext) return [];
  const names: string[] = [];
  for (const gn of ext.valueObj.subs[0]?.subs ?? []) {
    if (gn.tag.isContextSpecific(1) || gn.tag.isContextSpecific(2) || gn.tag.isContextSpecific(6)) names.push(gn.value.toString('utf8'));
    else if (gn.tag.isContextSpecific(7)) names.push(ipText(gn.value));
    else if (gn.tag.isContextSpecific(0)) {
      // otherName: type-id OID, [0] EXPLICIT value (Sigstore writes a UTF8String username).
      const value = gn.subs[1]?.subs[0];
      if (value) names.push(value.value.toString('utf8'));
    }
  }
  return names;
}

function ipText(bytes: Buffer): string {
  if (bytes.length === 4) return [...bytes].join('.');
  if (bytes.length === 16) return Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(i * 2).toString(16)).join(':');
  return bytes.toString('hex');
}

export function isSelfSigned(c: CertInfo): boolean {
  try {
    return c.node.checkIssued(c.node) && c.node.verify(c.node.publicKey);
  } catch {
    return false;
  }
}

/** `issuer` issued `cert`: names chain and the signature verifies with the issuer's key. */
export function issuedBy(cert: CertInfo, issuer: CertInfo): boolean {
  try {
    return cert.node.checkIssued(issuer.node) && cert.node.verify(issuer.node.publicKey);
  } catch {
    return false;
  }
}
