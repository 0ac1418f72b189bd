import { describe, expect, it } from 'vitest';
import { atLeast } from '../src/core/severity.js';
describe('smoke', () => { it('ranks', () => { expect(atLeast('high', 'medium')).toBe(true); expect(atLeast('low', 'medium')).toBe(false); }); });
