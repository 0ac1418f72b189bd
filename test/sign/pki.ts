/** Test keys and an X.509 chain (root CA -> intermediate -> code-signing leaf), made fresh with node:crypto + @peculiar/x509. */
import { generateKeyPairSync, webcrypto, type KeyObject } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

type CryptoKeyPair = webcrypto.CryptoKeyPair;
type CryptoKey = webcrypto.CryptoKey;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export type Curve = 'P-256' | 'P-384' | 'P-521';

export interface KeyFiles {
  privateKeyPath: string;
  publicKeyPath: string;
  privateKey: KeyObject;
}

/** An EC key pair written as PEM (PKCS#8 private, SPKI public). */
export async function writeEcKey(dir: string, name: string, curve: Curve): Promise<KeyFiles> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
  const privateKeyPath = join(dir, `${name}.pem`);
  const publicKeyPath = join(dir, `${name}.pub.pem`);
  await writeFile(privateKeyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  await writeFile(publicKeyPath, publicKey.export({ type: 'spki', format: 'pem' }));
  return { privateKeyPath, publicKeyPath, privateKey };
}

const HASH: Record<Curve, string> = { 'P-256': 'SHA-256', 'P-384': 'SHA-384', 'P-521': 'SHA-512' };

async function cryptoPair(curve: Curve): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: curve }, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function exportPkcs8Pem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`;
}

export interface ChainFiles {
  rootPath: string;
  intermediatePath: string;
  leafPath: string;
  leafKeyPath: string;
}

/** root (self-signed CA) -> intermediate CA -> leaf (digitalSignature, codeSigning) on `leafCurve`. */
export async function writeCertificateChain(dir: string, prefix: string, leafCurve: Curve = 'P-384'): Promise<ChainFiles> {
  const notBefore = new Date(Date.now() - 3600_000);
  const notAfter = new Date(Date.now() + 365 * 86400_000);
  const alg = (curve: Curve) => ({ name: 'ECDSA', hash: HASH[curve] });
  const rootKeys = await cryptoPair('P-384');
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${prefix} root CA`,
    keys: rootKeys,
    notBefore,
    notAfter,
    signingAlgorithm: alg('P-384'),
    extensions: [new x509.BasicConstraintsExtension(true, 1, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true)],
  });
  const intKeys = await cryptoPair('P-384');
  const intermediate = await x509.X509CertificateGenerator.create({
    subject: `CN=${prefix} intermediate CA`,
    issuer: root.subject,
    publicKey: intKeys.publicKey,
    signingKey: rootKeys.privateKey,
    notBefore,
    notAfter,
    signingAlgorithm: alg('P-384'),
    extensions: [new x509.BasicConstraintsExtension(true, 0, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true)],
  });
  const leafKeys = await cryptoPair(leafCurve);
  const leaf = await x509.X509CertificateGenerator.create({
    subject: `CN=${prefix} model signer`,
    issuer: intermediate.subject,
    publicKey: leafKeys.publicKey,
    signingKey: intKeys.privateKey,
    notBefore,
    notAfter,
    signingAlgorithm: alg('P-384'),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.codeSigning]),
      new x509.SubjectAlternativeNameExtension([{ type: 'url', value: `https://signer.${prefix}.test` }]),
    ],
  });
  const files: ChainFiles = {
    rootPath: join(dir, `${prefix}-root.pem`),
    intermediatePath: join(dir, `${prefix}-int.pem`),
    leafPath: join(dir, `${prefix}-leaf.pem`),
    leafKeyPath: join(dir, `${prefix}-leaf-key.pem`),
  };
  await writeFile(files.rootPath, root.toString('pem') + '\n');
  await writeFile(files.intermediatePath, intermediate.toString('pem') + '\n');
  await writeFile(files.leafPath, leaf.toString('pem') + '\n');
  await writeFile(files.leafKeyPath, await exportPkcs8Pem(leafKeys.privateKey));
  return files;
}
