import { InvalidArgumentError, type Command } from 'commander';
import { verifyAttestation } from '../attest/verify.js';
import type { SignatureTrust } from '../verify/oms/index.js';
import { EXIT } from './exit-codes.js';

interface AttestVerifyFlags {
  attestation: string;
  identity?: string;
  identityProvider?: string;
  trustRoot?: string;
  key?: string;
  policySha256?: string;
}

function sha256Hex(value: string): string {
  const v = value.toLowerCase().replace(/^sha256:/, '');
  if (!/^[0-9a-f]{64}$/.test(v)) throw new InvalidArgumentError('expected a sha256 hex digest (64 hex digits)');
  return v;
}

/** The trust the flags name, or a usage problem (one line). */
function trustFromFlags(f: AttestVerifyFlags): SignatureTrust | string {
  if (f.key !== undefined && (f.identity !== undefined || f.identityProvider !== undefined || f.trustRoot !== undefined)) {
    return '--key verifies a key-signed attestation: do not combine it with --identity, --identity-provider or --trust-root';
  }
  if (f.key !== undefined) return { publicKeyPaths: [f.key] };
  if (f.identity === undefined || f.identityProvider === undefined) return 'name the signer: --key F, or --identity I --identity-provider U [--trust-root F]';
  return { sigstore: { identities: [{ identity: f.identity, issuer: f.identityProvider }], ...(f.trustRoot ? { trustedRootPath: f.trustRoot } : {}) } };
}

function describeSigner(signer: Record<string, string>): string {
  return Object.entries(signer).map(([k, v]) => `${k} ${v}`).join(', ') || 'the trusted signer';
}

/** `modelscan attest verify <model> --attestation F`: exit 0 verified and APPROVE, 1 not, 2 could not verify. */
export function registerAttestCommand(program: Command): void {
  const attest = program.command('attest').description('work with signed check attestations (in-toto, Sigstore bundle)');
  attest
    .command('verify')
    .description('verify that a signed check attestation covers exactly the model on disk and says APPROVE (exit 0 yes, 1 no, 2 could not verify)')
    .argument('<model>', 'model folder or file, as deployed')
    .requiredOption('--attestation <file>', 'the attestation bundle that `check --attest` wrote')
    .option('--identity <identity>', 'keyless: the signer identity (certificate SAN, exact match)')
    .option('--identity-provider <url>', 'keyless: the OIDC issuer of the identity (exact match)')
    .option('--trust-root <file>', 'keyless: Sigstore trusted_root.json (default: the public-good root shipped with modelscan)')
    .option('--key <file>', 'PEM public key of a key-signed attestation')
    .option('--policy-sha256 <hex>', 'require the check to have run under the policy with this sha256', sha256Hex)
    .action(async (model: string, flags: AttestVerifyFlags) => {
      const trust = trustFromFlags(flags);
      if (typeof trust === 'string') {
        process.stderr.write(`modelscan: attest verify: ${trust}\n`);
        process.exitCode = EXIT.INCOMPLETE;
        return;
      }
      const result = await verifyAttestation({
        modelPath: model,
        attestationPath: flags.attestation,
        trust,
        ...(flags.policySha256 ? { expectedPolicySha256: flags.policySha256 } : {}),
      });
      if (result.ok) {
        const p = result.statement.predicate;
        process.stdout.write(
          `${model}: attestation verified: ${p.verdict} by ${describeSigner(result.signer)} (${result.method}) under policy "${p.policy.name}" sha256 ${p.policy.sha256}; ${result.files} files, model sha256:${result.rootDigest}\n`,
        );
        process.exitCode = EXIT.APPROVE;
        return;
      }
      process.stderr.write(`${model}: ${result.code}: ${result.reason.replace(/[\r\n]+/g, ' ')}\n`);
      process.exitCode = result.incomplete ? EXIT.INCOMPLETE : EXIT.DENY;
    });
}
