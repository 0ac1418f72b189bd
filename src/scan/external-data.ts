import type { ScanResult } from '../core/report.js';

interface ExternalDataRef {
  resolvedPath?: unknown;
}

/**
 * Raw tensor files referenced by an ONNX model's external data have no format of their own:
 * once a scanned ONNX file names them, they are 'onnx-external-data' instead of unrecognised.
 */
export function markExternalData(result: ScanResult): ScanResult {
  const referenced = new Set<string>();
  for (const file of result.files) {
    if (file.format !== 'onnx') continue;
    const refs = file.facts['externalData'];
    if (!Array.isArray(refs)) continue;
    for (const ref of refs as ExternalDataRef[]) {
      if (typeof ref.resolvedPath === 'string') referenced.add(ref.resolvedPath);
    }
  }
  if (referenced.size === 0) return result;
  for (const file of result.files) {
    if (file.format === 'unknown' && referenced.has(file.path)) {
      file.format = 'onnx-external-data';
      file.facts = { referencedBy: 'onnx' };
    }
  }
  const findings = result.findings.filter(
    (f) => !(f.code === 'FILE_UNRECOGNISED' && !f.location && referenced.has(f.file)),
  );
  return { ...result, findings };
}
