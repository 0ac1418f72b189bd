import type { CodeTable } from '../../core/finding.js';

export const ONNX_CODES = {
  ONNX_MALFORMED: { severity: 'high', title: 'Protobuf structure is invalid (wire type, length, boundary, required field)', incomplete: true },
  ONNX_TRUNCATED: { severity: 'high', title: 'Data ends before a protobuf field or message is complete', incomplete: true },
  ONNX_LIMIT_EXCEEDED: { severity: 'high', title: 'A scan limit was hit (header bytes, nesting depth, list size); analysis is incomplete', incomplete: true },
  ONNX_DUPLICATE_FIELD: { severity: 'high', title: 'A singular field appears more than once (parsers disagree: merge or last wins)', incomplete: true },
  ONNX_UNKNOWN_FIELD: { severity: 'info', title: 'Field number not in the ONNX schema (ignored by the runtime)' },
  ONNX_INVALID_UTF8: { severity: 'medium', title: 'A name or domain string is not valid UTF-8' },
  ONNX_IR_VERSION_UNKNOWN: { severity: 'low', title: 'ir_version is newer than the versions this scanner knows' },
  ONNX_CUSTOM_OP: { severity: 'high', title: 'Node in a non-standard domain: needs a custom-op native library' },
  ONNX_ATEN_OP: { severity: 'high', title: 'Node in org.pytorch.aten: dispatches an arbitrary PyTorch operator by name' },
  ONNX_PYTHON_OP: { severity: 'high', title: 'onnxruntime training op that calls back into Python (com.microsoft PythonOp / PythonOpGrad)' },
  ONNX_UNKNOWN_OPERATOR: { severity: 'medium', title: 'Operator is not defined in its standard ONNX domain nor as a local function' },
  ONNX_FUNCTION_SHADOWS_OPERATOR: { severity: 'medium', title: 'Local function redefines a standard operator or another local function' },
  ONNX_UNKNOWN_OPSET_DOMAIN: { severity: 'low', title: 'Opset import of a non-standard domain that no node uses' },
  ONNX_INVALID_MODEL: { severity: 'low', title: 'Spec violation the runtime rejects at load (not a parse failure)' },
  ONNX_EXTERNAL_DATA: { severity: 'info', title: 'Tensors are stored in external files beside the model' },
  ONNX_EXTERNAL_DATA_ESCAPE: { severity: 'critical', title: 'External data location leaves the model folder or the target root' },
  ONNX_EXTERNAL_DATA_MEMORY_ADDRESS: { severity: 'critical', title: 'External data location is the onnxruntime in-memory address tag' },
  ONNX_EXTERNAL_DATA_MISSING: { severity: 'high', title: 'External data file does not exist or is not a regular file' },
  ONNX_EXTERNAL_DATA_HIDES_CONTENT: { severity: 'high', title: 'External data file is a compressed stream (zstd, lzma, lz4 legacy), not raw tensor bytes' },
  ONNX_EXTERNAL_DATA_OUT_OF_BOUNDS: { severity: 'high', title: 'External data offset and length reach past the end of the file' },
  ONNX_EXTERNAL_DATA_INVALID: { severity: 'high', title: 'External data entries are malformed (no location, bad offset or length)', incomplete: true },
  ONNX_EXTERNAL_DATA_NESTED: { severity: 'high', title: 'Model inside an archive or wrapper references external data that cannot be checked', incomplete: true },
} as const satisfies CodeTable;

export type OnnxCode = keyof typeof ONNX_CODES;
