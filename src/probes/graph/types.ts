/**
 * What the static graph analysis reports. Keys are stable: the JSON report and the HTML report
 * read them, and docs/probes.md documents them.
 */

/**
 * S1-control: comparison/selection logic on raw data-input values (no learned op on the way) that reaches an output.
 * S2-constant: one operand of that comparison is a constant (pixel threshold, token id outside the special tokens).
 * S3-override: the gate's signal merges into the trunk's values (Mul/Add/Where/Max/Concat/If), often with a sparse extreme constant.
 * S4-bypass: a short path from a region of the data input to an output beside the trunk's learned ops.
 * S5-unusual: unusual operators or names for a feed-forward classifier (informational).
 * saturation: Relu/Sigmoid/Clip/Sign/... of a raw input scaled by a large gain (a comparison in disguise).
 */
export type GateRule = 'S1-control' | 'S2-constant' | 'S3-override' | 'S4-bypass' | 'S5-unusual' | 'saturation';

export interface FlaggedGate {
  /** 'G1', 'G2', ... in graph order. */
  id: string;
  rules: GateRule[];
  /** Display path of the gate node (host/attribute/name inside subgraphs and functions). */
  node: string;
  opType: string;
  /** '' for the main graph; otherwise the subgraph or function that holds the gate. */
  scope: string;
  /** Data inputs whose raw values decide the gate. */
  inputs: string[];
  /** Main-graph tensors to expose as outputs to watch the gate (its output, or its host's condition/outputs). */
  expose: string[];
  /** Main-graph tensors holding the continuous value the gate thresholds (empty when none is at top level). */
  probe: string[];
  /** Node names from the data input through the gate to a graph output. */
  path: string[];
  /** Constant operands of the comparison and of the override arithmetic (at most 16 each). */
  constants: number[];
  overrideConstants: number[];
  /** For comparisons: which way the probe must move to flip the gate from "false": 'up', 'down' or 'equal'. */
  direction?: 'up' | 'down' | 'equal';
  /** Node where the gate's signal merges into the trunk (S3), when found. */
  mergeNode?: string;
  /** max/median |w| of the sparsest override constant (0 when none). */
  overrideScore: number;
  /** 0..1: how strongly the static evidence points at a backdoor gate. */
  score: number;
  /** Gates that feed one another share a cluster (a trigger flips the whole cluster). */
  cluster: number;
  /** The data-input region the gate reads, when its chain is a plain Slice/Gather of the input. */
  region?: StaticRegion;
}

export type { StaticRegion } from './region.js';
import type { StaticRegion } from './region.js';

/** A learned-op-free or light branch from a region of a data input into an output beside the trunk. */
export interface FlaggedBypass {
  id: string;
  input: string;
  /** The node reading the input region (Slice/Gather/...) or the first node of the light branch. */
  entry: string;
  /** The node where the branch merges with the trunk. */
  mergeNode: string;
  path: string[];
  /** Learned parameters on the branch vs the trunk it bypasses. */
  branchParameters: number;
  trunkParameters: number;
  expose: string[];
  score: number;
  region?: StaticRegion;
}

/** A data-dependent switch on a scalar configuration input (e.g. Silero VAD's `sr`): not a backdoor. */
export interface ConfigSwitch {
  node: string;
  opType: string;
  inputs: string[];
}

export interface GraphAnalysis {
  nodes: number;
  /** Main-graph inputs (initializers excluded) with their role. */
  inputs: Array<{ name: string; role: 'data' | 'config' | 'auxiliary'; elemType: number | null; dims: Array<number | string | null> | null }>;
  outputs: string[];
  gates: FlaggedGate[];
  bypasses: FlaggedBypass[];
  switches: ConfigSwitch[];
  /** S5 observations and anything the analysis could not cover. */
  notes: string[];
  durationMs: number;
}

export interface AnalyseOptions {
  /** Token ids declared special by the tokenizer (pad, bos, eos, cls, sep, mask, unk): comparisons with them are allowed. */
  specialTokenIds?: number[];
  /** The classified input(s); default: the non-scalar inputs with the largest element count. */
  dataInputs?: string[];
  /** Inputs such as an attention mask whose comparisons are legitimate. */
  maskInputs?: string[];
}
