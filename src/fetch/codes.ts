import type { CodeTable } from '../core/finding.js';

export const FETCH_CODES = {
  FETCH_CACHE_TAMPERED: {
    severity: 'high',
    title: 'A blob already in the hub cache did not match its digest; it was replaced, but something changed the cache',
  },
} satisfies CodeTable;
