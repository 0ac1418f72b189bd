import type { Bar } from './svg.js';

/**
 * Reads a per-class series from stage details, whatever container the stage used:
 * number[] (index = class), [{ class, <valueKey> }], or { "<class>": number }.
 */
export function perClassSeries(value: unknown, valueKeys: readonly string[]): Bar[] {
  if (Array.isArray(value)) {
    return value.flatMap((item, i): Bar[] => {
      if (typeof item === 'number') return [{ label: `class ${i}`, value: item }];
      if (item && typeof item === 'object') {
        const record = item as Record<string, unknown>;
        const key = valueKeys.find((k) => typeof record[k] === 'number');
        if (!key) return [];
        const cls = record['class'] ?? record['target'] ?? record['label'] ?? i;
        return [{ label: `class ${String(cls)}`, value: record[key] as number }];
      }
      return [];
    });
  }
  if (value && typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => typeof v === 'number')
      .map(([k, v]) => ({ label: `class ${k}`, value: v as number }));
  }
  return [];
}

/** The first details key that holds a usable per-class series. */
export function firstSeries(details: Record<string, unknown>, keys: readonly string[], valueKeys: readonly string[]): Bar[] {
  for (const key of keys) {
    const bars = perClassSeries(details[key], valueKeys);
    if (bars.length > 0) return bars;
  }
  return [];
}
