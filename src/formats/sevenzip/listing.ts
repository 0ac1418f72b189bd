export interface SevenZipEntry {
  path: string;
  size: number;
  packedSize: number;
  folder: boolean;
  encrypted: boolean;
  link: boolean;
}

/** Parses `7zz l -slt` technical listing: one "Key = value" block per entry after the "----------" line. */
export function parseListing(lines: readonly string[]): SevenZipEntry[] {
  const start = lines.findIndex((l) => l.trim() === '----------');
  if (start < 0) return [];
  const entries: SevenZipEntry[] = [];
  let current: Map<string, string> | undefined;
  const close = () => {
    if (!current || !current.has('Path')) return;
    const attributes = current.get('Attributes') ?? '';
    entries.push({
      path: current.get('Path') ?? '',
      size: Number(current.get('Size') ?? 0) || 0,
      packedSize: Number(current.get('Packed Size') ?? 0) || 0,
      folder: current.get('Folder') === '+' || attributes.startsWith('D'),
      encrypted: current.get('Encrypted') === '+',
      link: / l/.test(attributes),
    });
  };
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '') {
      close();
      current = undefined;
      continue;
    }
    const eq = line.indexOf(' = ');
    if (eq < 0) continue;
    current ??= new Map();
    current.set(line.slice(0, eq), line.slice(eq + 3));
  }
  close();
  return entries;
}
