import type { CodeTable } from '../../core/finding.js';

export const TFLITE_CODES = {
  TFLITE_CUSTOM_OP: { severity: 'high', title: 'Model uses a custom (or Flex) operator that needs a native op resolver to run' },
  TFLITE_BAD_IDENTIFIER: { severity: 'high', title: 'FlatBuffer file identifier is not TFL3', incomplete: true },
  TFLITE_MALFORMED: { severity: 'high', title: 'FlatBuffer offsets, vtables or vectors are out of bounds', incomplete: true },
} as const satisfies CodeTable;

export type TfliteCode = keyof typeof TFLITE_CODES;
