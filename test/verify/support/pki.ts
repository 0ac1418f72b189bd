/** A fresh X.509 hierarchy for the certificate method (node:crypto + @peculiar/x509), with knobs to break it. */
import { KeyObject, webcrypto } from 'node:crypto';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKeyPair = webcrypto.CryptoKeyPair;
export type Curve = 'P-256' | 'P-384' | 'P-521';
const DAY = 86400_000;

async function pair(curve: Curve): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: curve }, true, ['sign', 'verify'])) as CryptoKeyPair;
}

export interface LeafOptions {
  curve?: Curve;
  keyUsage?: boolean;
  codeSigningEku?: boolean;
  sans?: Array<{ type: 'url' | 'email' | 'dns'; value: string }>;
}

export interface ChainOptions {
  /** The intermediate stops being valid before the leaf's notBefore. */
  intermediateExpired?: boolean;
  /** The intermediate has basicConstraints CA:false. */
  intermediateNotCa?: boolean;
  leaf?: LeafOptions;
}

export interface TestChain {
  rootPem: string;
  rootDer: Buffer;
  intermediatePem: string;
  leafDer: Buffer;
  intermediateDer: Buffer;
  leafKey: KeyObject;
}

function pem(cert: x509.X509Certificate): string {
  return cert.toString('pem') + '\n';
}

/** root CA (self-signed) -> intermediate CA -> leaf. */
export async function makeChain(name: string, o: ChainOptions = {}): Promise<TestChain> {
  const now = Date.now();
  const alg = { name: 'ECDSA', hash: 'SHA-384' };
  const rootKeys = await pair('P-384');
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${name} root`,
    keys: rootKeys,
    notBefore: new Date(now - 10 * DAY),
    notAfter: new Date(now + 365 * DAY),
    signingAlgorithm: alg,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
  });
  const intKeys = await pair('P-384');
  const intermediate = await x509.X509CertificateGenerator.create({
    subject: `CN=${name} intermediate`,
    issuer: root.subject,
    publicKey: intKeys.publicKey,
    signingKey: rootKeys.privateKey,
    notBefore: new Date(now - 9 * DAY),
    notAfter: new Date(o.intermediateExpired ? now - 2 * DAY : now + 365 * DAY),
    signingAlgorithm: alg,
    extensions: [new x509.BasicConstraintsExtension(!o.intermediateNotCa, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
  });
  const leafOptions = o.leaf ?? {};
  const curve = leafOptions.curve ?? 'P-384';
  const leafKeys = await pair(curve);
  const extensions: x509.Extension[] = [new x509.BasicConstraintsExtension(false, undefined, true)];
  if (leafOptions.keyUsage ?? true) extensions.push(new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true));
  if (leafOptions.codeSigningEku ?? true) extensions.push(new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.codeSigning]));
  if (leafOptions.sans) extensions.push(new x509.SubjectAlternativeNameExtension(leafOptions.sans));
  const leaf = await x509.X509CertificateGenerator.create({
    subject: `CN=${name} signer`,
    issuer: intermediate.subject,
    publicKey: leafKeys.publicKey,
    signingKey: intKeys.privateKey,
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + 30 * DAY),
    signingAlgorithm: alg,
    extensions,
  });
  return {
    rootPem: pem(root),
    rootDer: Buffer.from(root.rawData),
    intermediatePem: pem(intermediate),
    leafDer: Buffer.from(leaf.rawData),
    intermediateDer: Buffer.from(intermediate.rawData),
    leafKey: KeyObject.from(leafKeys.privateKey),
  };
}
