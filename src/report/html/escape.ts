/** Escapes text for HTML element content and quoted attribute values (names from models are hostile). */
export function esc(value: unknown): string {
  return String(value).replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A number for display: integers as is, others to `digits` significant digits. */
export function num(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  if (value !== 0 && Math.abs(value) < 1e-3) return value.toExponential(1);
  return String(+value.toPrecision(digits));
}

export const pct = (value: number): string => `${num(value * 100, 3)}%`;
