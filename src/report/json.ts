import type { Report } from '../core/report.js';

export function renderJson(report: Report): string {
  return JSON.stringify(report, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value), 2) + '\n';
}
