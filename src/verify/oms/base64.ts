/** Strict base64 (standard or URL-safe alphabet, as protobuf JSON allows): null when not base64. */
export function decodeBase64(text: unknown): Buffer | null {
  if (typeof text !== 'string') return null;
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(text)) return null;
  const body = text.replace(/=+$/, '');
  if (body.length % 4 === 1) return null;
  if ((text.length - body.length) > 0 && text.length % 4 !== 0) return null;
  const bytes = Buffer.from(body.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (bytes.length !== Math.floor((body.length * 3) / 4)) return null;
  return bytes;
}
