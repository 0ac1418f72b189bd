/**
 * DSSE pre-authentication encodings: the bytes an OMS signature is computed over.
 * https://github.com/secure-systems-lab/dsse/blob/master/protocol.md
 */

/** DSSEv1 PAE: "DSSEv1" SP len(type) SP type SP len(payload) SP payload (lengths in bytes, decimal). */
export function dssePae(payloadType: string, payload: Uint8Array): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  const head = Buffer.from(`DSSEv1 ${type.length} ${payloadType} ${payload.length} `, 'utf8');
  return Buffer.concat([head, payload]);
}

/**
 * The encoding model_signing v0.2 signed by mistake (`pae_compat` in sign_sigstore_pb.py): a Python
 * f-string over the bytes object, so the payload appears as its `repr` (`b'...'`) and the tag is
 * "DSSEV1" with a capital V. Only tried when the normal PAE fails, for key and certificate bundles.
 */
export function legacyPae(payloadType: string, payload: Uint8Array): Buffer {
  return Buffer.from(`DSSEV1 ${[...payloadType].length} ${payloadType} ${payload.length} ${pythonBytesRepr(payload)}`, 'utf8');
}

/** Python's repr() of a bytes object, e.g. b'a\n' or b"it's". */
export function pythonBytesRepr(bytes: Uint8Array): string {
  let hasSingle = false;
  let hasDouble = false;
  for (const b of bytes) {
    if (b === 0x27) hasSingle = true;
    else if (b === 0x22) hasDouble = true;
  }
  const quote = hasSingle && !hasDouble ? '"' : "'";
  let out = 'b' + quote;
  for (const b of bytes) {
    if (b === 0x5c) out += '\\\\';
    else if (b === 0x09) out += '\\t';
    else if (b === 0x0a) out += '\\n';
    else if (b === 0x0d) out += '\\r';
    else if (quote === "'" && b === 0x27) out += "\\'";
    else if (b < 0x20 || b >= 0x7f) out += '\\x' + b.toString(16).padStart(2, '0');
    else out += String.fromCharCode(b);
  }
  return out + quote;
}
