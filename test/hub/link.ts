/** `Link: <url>; rel="next"`, as the hub paginates tree listings. */
export function formatLinkNext(url: string): string {
  return `<${url}>; rel="next"`;
}

/** The `rel="next"` target of a Link header, or undefined. Tolerates several links and parameters. */
export function parseLinkNext(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const match of header.matchAll(/<([^>]*)>((?:\s*;\s*[^;,]+)*)/g)) {
    const params = match[2] ?? '';
    for (const param of params.split(';')) {
      const [key, raw] = param.split('=').map((s) => s.trim());
      if (key?.toLowerCase() !== 'rel' || raw === undefined) continue;
      const rels = raw.replace(/^"|"$/g, '').toLowerCase().split(/\s+/);
      if (rels.includes('next')) return match[1];
    }
  }
  return undefined;
}

/** Opaque page cursor: base64url of the next entry's index. */
export function encodeCursor(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString('base64url');
}

export function decodeCursor(cursor: string): number | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const offset = (value as { o?: unknown } | null)?.o;
    return typeof offset === 'number' && Number.isSafeInteger(offset) && offset >= 0 ? offset : undefined;
  } catch {
    return undefined;
  }
}
