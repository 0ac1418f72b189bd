/** How torch names the records of a zip checkpoint: everything under one `<prefix>/` folder. */
export interface TorchLayout {
  prefix: string;
  /** Distinct top-level folders seen; torch reads only `prefix`. */
  prefixes: string[];
  dataPkl: boolean;
  torchscript: boolean;
}

export const PICKLE_RECORDS = ['data.pkl', 'constants.pkl', 'bytecode.pkl'] as const;
export type PickleRecord = (typeof PICKLE_RECORDS)[number];

/** Folders whose records a pickle's storage keys may name, most likely first. */
export const TENSOR_DIRS: Record<PickleRecord, readonly string[]> = {
  'data.pkl': ['data'],
  'constants.pkl': ['constants', 'data'],
  'bytecode.pkl': ['bytecode', 'constants'],
};

export function topFolder(name: string): string {
  const slash = name.indexOf('/');
  return slash < 0 ? '' : name.slice(0, slash);
}

/** Record name relative to the archive folder, or undefined for entries outside it. */
export function recordName(name: string, prefix: string): string | undefined {
  if (prefix === '') return name;
  return name.startsWith(`${prefix}/`) ? name.slice(prefix.length + 1) : undefined;
}

export function isTensorRecord(record: string): boolean {
  return /^(data|constants|bytecode)\/[^/]+$/.test(record);
}

export function detectTorchLayout(names: readonly string[]): TorchLayout | undefined {
  const prefixes = [...new Set(names.map(topFolder))];
  // torch takes the archive folder from the first record, like PyTorchStreamReader does.
  const dataPkl = names.find((n) => recordName(n, topFolder(n)) === 'data.pkl');
  if (dataPkl === undefined) {
    const script = names.find((n) => ['constants.pkl', 'bytecode.pkl'].includes(recordName(n, topFolder(n)) ?? ''));
    if (script === undefined) return undefined;
    return { prefix: topFolder(script), prefixes, dataPkl: false, torchscript: true };
  }
  const prefix = topFolder(dataPkl);
  const torchscript = names.some((n) => {
    const record = recordName(n, prefix);
    return record !== undefined && (record.startsWith('code/') || record === 'constants.pkl' || record === 'bytecode.pkl');
  });
  return { prefix, prefixes, dataPkl: true, torchscript };
}
