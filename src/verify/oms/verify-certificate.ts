import type { ParsedBundle } from './bundle.js';
import { SignatureRejection } from './errors.js';
import { dssePae, legacyPae } from './pae.js';
import { curveHash, type TrustedCertificate } from './trust-files.js';
import { ecdsaVerify } from './verify-key.js';
import { OID_EKU_CODE_SIGNING, isSelfSigned, issuedBy, parseCertificate, type CertInfo } from './x509-info.js';

const MAX_DEPTH = 8;
const MAX_PATHS = 32;
/** Issuer candidates examined in one path search, all branches together. */
const MAX_STEPS = 20_000;

export interface CertificateSigner {
  signer: Record<string, string>;
  legacyPae: boolean;
}

/**
 * The certificate method (model_signing `verify certificate`): a path from the leaf through the
 * bundle's (and the user's) certificates to a self-signed anchor the user trusts, every certificate
 * valid at the leaf's notBefore, issuers CA with keyCertSign and path length respected, the leaf
 * usable for signing (KU digitalSignature or EKU codeSigning), optionally one of the pinned SANs;
 * then ECDSA over the PAE (or the v0.2 encoding with SHA-256).
 */
export function verifyWithCertificates(
  bundle: ParsedBundle & { material: { kind: 'chain' } },
  trusted: readonly TrustedCertificate[],
  sanPins: readonly string[] = [],
): CertificateSigner {
  const [leafDer, ...rest] = bundle.material.certificatesDer;
  const leaf = parseCertificate(leafDer!, 'x509CertificateChain.certificates[0]');
  const intermediates = rest.map((der, i) => parseCertificate(der, `x509CertificateChain.certificates[${i + 1}]`));
  const user = trusted.map((t) => parseCertificate(t.der, t.path));
  const anchors = new Set(user.filter(isSelfSigned).map((c) => c.fingerprint256));
  if (anchors.size === 0) throw new SignatureRejection('SIGNATURE_UNTRUSTED', 'no self-signed CA certificate among the trusted certificate chain files');

  const paths = buildPaths(leaf, [...intermediates, ...user], anchors);
  if (paths.length === 0) {
    throw new SignatureRejection('SIGNATURE_UNTRUSTED', `the signing certificate (${leaf.subject}) does not chain to a trusted CA`);
  }
  let firstProblem: string | null = null;
  let chosen: CertInfo[] | null = null;
  for (const path of paths) {
    const problem = pathProblem(path);
    if (!problem) {
      chosen = path;
      break;
    }
    firstProblem ??= problem;
  }
  if (!chosen) throw new SignatureRejection('SIGNATURE_CERTIFICATE_REJECTED', firstProblem!);

  if (sanPins.length > 0 && !leaf.sans.some((san) => sanPins.includes(san))) {
    throw new SignatureRejection('SIGNATURE_UNTRUSTED', `the signing certificate's SANs (${leaf.sans.join(', ') || 'none'}) are none of the pinned ${sanPins.join(', ')}`);
  }

  const key = leaf.node.publicKey;
  const hash = curveHash(key);
  if (!hash) throw new SignatureRejection('SIGNATURE_UNSUPPORTED', `the signing certificate's key (${key.asymmetricKeyType} ${key.asymmetricKeyDetails?.namedCurve ?? ''}) is not EC P-256/P-384/P-521`);
  const signer = {
    subject: leaf.subject,
    issuer: (leaf.node.issuer ?? '').replace(/\n/g, ', '),
    fingerprint256: leaf.fingerprint256,
    anchor: chosen[chosen.length - 1]!.subject,
    ...(leaf.sans.length > 0 ? { san: leaf.sans.join(', ') } : {}),
  };
  if (ecdsaVerify(hash, dssePae(bundle.payloadType, bundle.payload), key, bundle.signature)) return { signer, legacyPae: false };
  // model_signing v0.2 hashed the legacy encoding with SHA-256 whatever the curve.
  if (ecdsaVerify('sha256', legacyPae(bundle.payloadType, bundle.payload), key, bundle.signature)) return { signer, legacyPae: true };
  throw new SignatureRejection('SIGNATURE_INVALID', `the signature does not verify with the signing certificate's key (${leaf.subject})`);
}

/**
 * Every issuer path from the leaf to a trusted self-signed anchor (never stops at a non-self-signed
 * subject==issuer). Bounded: each issuer link is checked once (memoized), and the search examines at
 * most MAX_STEPS candidates in all, so certificates that all "issue" each other (one name, one key)
 * cannot make the search explode; what is not found within the bound does not chain.
 */
function buildPaths(leaf: CertInfo, pool: readonly CertInfo[], anchors: ReadonlySet<string>): CertInfo[][] {
  const found: CertInfo[][] = [];
  const links = new Map<string, boolean>();
  const linked = (cert: CertInfo, issuer: CertInfo): boolean => {
    const key = `${cert.fingerprint256}>${issuer.fingerprint256}`;
    let known = links.get(key);
    if (known === undefined) links.set(key, (known = issuedBy(cert, issuer)));
    return known;
  };
  let steps = 0;
  const walk = (path: CertInfo[]) => {
    if (found.length >= MAX_PATHS) return;
    const top = path[path.length - 1]!;
    if (anchors.has(top.fingerprint256) && linked(top, top)) {
      found.push(path);
      return;
    }
    if (path.length > MAX_DEPTH) return;
    const seen = new Set<string>();
    for (const candidate of pool) {
      if (found.length >= MAX_PATHS || ++steps > MAX_STEPS) return;
      if (seen.has(candidate.fingerprint256) || path.some((c) => c.fingerprint256 === candidate.fingerprint256)) continue;
      seen.add(candidate.fingerprint256);
      if (linked(top, candidate)) walk([...path, candidate]);
    }
  };
  walk([leaf]);
  return found;
}

function iso(d: Date): string {
  return Number.isNaN(d.getTime()) ? 'invalid date' : d.toISOString();
}

/** Why this path is not acceptable, or null. Verification time is the leaf's notBefore (as model_signing). */
function pathProblem(path: readonly CertInfo[]): string | null {
  const leaf = path[0]!;
  const at = leaf.notBefore;
  for (const c of path) {
    if (!(c.notBefore.getTime() <= at.getTime() && at.getTime() <= c.notAfter.getTime())) {
      return `certificate ${c.subject} is not valid at the signing time ${iso(at)} (valid ${iso(c.notBefore)} to ${iso(c.notAfter)})`;
    }
  }
  for (let i = 1; i < path.length; i++) {
    const issuer = path[i]!;
    if (!issuer.basicConstraints?.ca) return `certificate ${issuer.subject} issues certificates but is not a CA (basicConstraints CA:false or absent)`;
    if (issuer.keyUsage && !issuer.keyUsage.keyCertSign) return `CA certificate ${issuer.subject} lacks keyUsage keyCertSign`;
    const below = i - 1; // intermediate CAs between this issuer and the leaf
    const pathLen = issuer.basicConstraints.pathLen;
    if (pathLen !== undefined && below > pathLen) return `CA certificate ${issuer.subject} allows ${pathLen} intermediate CA(s) below it, the chain has ${below}`;
  }
  const signs = leaf.keyUsage?.digitalSignature === true || (leaf.extKeyUsage ?? []).includes(OID_EKU_CODE_SIGNING);
  if (!signs) return `the signing certificate ${leaf.subject} has neither keyUsage digitalSignature nor extendedKeyUsage codeSigning`;
  return null;
}
