/** The hub endpoints this server speaks, parsed from a request path (query excluded). */
export type HubRoute =
  | { kind: 'repo-info'; repo: string; revision: string | undefined }
  | { kind: 'tree'; repo: string; revision: string; path: string }
  | { kind: 'paths-info'; repo: string; revision: string }
  | { kind: 'resolve'; repo: string; revision: string; path: string }
  | { kind: 'unknown' };

/** Percent-encodes everything but RFC 3986 unreserved characters, so no client re-encodes it differently. */
export function strictEncode(value: string): string {
  return Array.from(Buffer.from(value, 'utf8'))
    .map((b) => (/[A-Za-z0-9\-_.~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`))
    .join('');
}

/** A revision is one path segment: `refs/pr/1` -> `refs%2Fpr%2F1`. */
export function encodeRevision(revision: string): string {
  return strictEncode(revision);
}

/** A repo path keeps its slashes; each segment is encoded. */
export function encodeRepoPath(path: string): string {
  return path.split('/').map(strictEncode).join('/');
}

export function resolvePath(repo: string, revision: string, path: string): string {
  return `/${repo}/resolve/${encodeRevision(revision)}/${encodeRepoPath(path)}`;
}

export function treePath(repo: string, revision: string, path = ''): string {
  return `/api/models/${repo}/tree/${encodeRevision(revision)}${path ? `/${encodeRepoPath(path)}` : ''}`;
}

/**
 * Throws URIError on a malformed percent-escape. Revisions arrive encoded as one segment; the
 * unencoded `refs/pr/N` and `refs/convert/X` forms are accepted as well.
 */
export function parseRoute(pathname: string): HubRoute {
  const segments = pathname.split('/').slice(1).map((s) => decodeURIComponent(s));
  if (segments[0] === 'api' && segments[1] === 'models') return parseApi(segments.slice(2));
  if (segments[2] === 'resolve' && segments.length >= 5) {
    const repo = repoId(segments[0], segments[1]);
    const taken = takeRevision(segments.slice(3));
    if (!repo || !taken || taken.rest.length === 0) return { kind: 'unknown' };
    return { kind: 'resolve', repo, revision: taken.revision, path: taken.rest.join('/') };
  }
  return { kind: 'unknown' };
}

function parseApi(segments: string[]): HubRoute {
  const repo = repoId(segments[0], segments[1]);
  if (!repo) return { kind: 'unknown' };
  const [action, ...rest] = segments.slice(2);
  if (action === undefined) return { kind: 'repo-info', repo, revision: undefined };
  const taken = takeRevision(rest);
  if (!taken) return { kind: 'unknown' };
  if (action === 'revision' && taken.rest.length === 0) return { kind: 'repo-info', repo, revision: taken.revision };
  if (action === 'paths-info' && taken.rest.length === 0) return { kind: 'paths-info', repo, revision: taken.revision };
  if (action === 'tree') return { kind: 'tree', repo, revision: taken.revision, path: taken.rest.join('/').replace(/\/+$/, '') };
  return { kind: 'unknown' };
}

function repoId(org: string | undefined, name: string | undefined): string | undefined {
  if (!org || !name) return undefined;
  return `${org}/${name}`;
}

function takeRevision(segments: string[]): { revision: string; rest: string[] } | undefined {
  const [first, second, third] = segments;
  if (first === undefined || first === '') return undefined;
  if (first === 'refs' && (second === 'pr' || second === 'convert') && third) {
    return { revision: `refs/${second}/${third}`, rest: segments.slice(3) };
  }
  return { revision: first, rest: segments.slice(1) };
}
