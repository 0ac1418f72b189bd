import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { analyseGraph } from '../../../src/probes/graph/analyse.js';
import { graphStageResult } from '../../../src/probes/graph/stage.js';

const REAL = fileURLToPath(new URL('../../../../shared/realmodels/', import.meta.url));
const files = execFileSync('find', [REAL, '-name', '*.onnx'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).sort();

describe('analyseGraph on real ONNX models: no false alarm', () => {
  it('finds the 14 real models', () => {
    expect(files.length).toBeGreaterThanOrEqual(14);
  });

  for (const file of files) {
    const name = file.slice(REAL.length);
    it(`${name}: no gate, no bypass`, () => {
      const bytes = readFileSync(file);
      const started = performance.now();
      const a = analyseGraph(bytes);
      const ms = performance.now() - started;
      console.log(`graph analysis ${name}: ${(statSync(file).size / 1e6).toFixed(1)} MB, ${a.nodes} nodes, ${ms.toFixed(1)} ms`);
      expect(a.gates.map((g) => `${g.opType} ${g.node}`)).toEqual([]);
      expect(a.bypasses.map((b) => b.mergeNode)).toEqual([]);
      expect(graphStageResult(a).outcome).toBe('none');
    });
  }

  it('Silero VAD: the Equal + If on `sr` are configuration switches', () => {
    for (const file of files.filter((f) => f.includes('silero'))) {
      const a = analyseGraph(readFileSync(file));
      expect(a.switches.map((s) => s.opType)).toContain('If');
      expect(new Set(a.switches.flatMap((s) => s.inputs))).toEqual(new Set(['sr']));
    }
  });

  it('the largest model (ch_PP-OCRv4_rec_infer.onnx, 10.8 MB) is analysed in well under a second', () => {
    const file = files.find((f) => f.endsWith('ch_PP-OCRv4_rec_infer.onnx'))!;
    const bytes = readFileSync(file);
    analyseGraph(bytes);
    const started = performance.now();
    const a = analyseGraph(bytes);
    const ms = performance.now() - started;
    console.log(`graph analysis ch_PP-OCRv4_rec_infer.onnx (warm): ${a.nodes} nodes, ${ms.toFixed(1)} ms (reported ${a.durationMs} ms)`);
    expect(ms).toBeLessThan(2000);
  });
});
