export const IN_TOTO_STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
/** The predicate type of a modelscan check attestation (docs/attestation-predicate.schema.json). */
export const CHECK_PREDICATE_TYPE = 'https://modelscan.dev/attestation/check/v1';
