/**
 * The probes stage's shared contract: what each part consumes and produces. Parts talk through
 * these plain types only (graph analysis, runtime, golden set, trigger search, decision).
 */

export type ProbeTask = 'image-classification' | 'text-classification';
export type ImageLayout = 'NCHW' | 'NHWC';

/** How to feed the model and read its answer, from the model's signature and the policy. */
export interface ProbeProfile {
  task: ProbeTask;
  /** Graph input that carries the data (image tensor or token ids). */
  inputName: string;
  /** Graph output holding the class scores (logits or probabilities), [N, C]. */
  outputName: string;
  /** Per-sample shape without the batch dimension: [C,H,W] / [H,W,C] for images, [T] for text. */
  sampleShape: number[];
  inputType: 'float32' | 'int64' | 'int32';
  classCount: number;
  image?: {
    layout: ImageLayout;
    channels: number;
    height: number;
    width: number;
    /** Raw pixel range the model expects before its own normalisation, e.g. [0, 1] or [0, 255]. */
    range: [number, number];
    /** Per-channel normalisation applied by the caller before feeding (x - mean) / std; identity when absent. */
    mean?: number[];
    std?: number[];
  };
  text?: {
    vocabSize: number;
    sequenceLength: number;
    /** Token ids that are declared special (pad, bos, eos, cls, sep, mask, unk). */
    specialTokenIds: number[];
    padId: number;
    /** Graph input for an attention mask, filled with 1 for real tokens, when the model has one. */
    attentionMaskInput?: string;
    /** Trigger candidates from the model's own tokenizer (tokenizer.json / vocab.txt beside the model). */
    tokens?: TextVocabularyTokens;
    /** Why a tokenizer found beside the model was not used (the search falls back to vocabulary-end ids). */
    tokenizerNote?: string;
  };
  /** Other graph inputs held at a fixed value (configuration scalars such as a sample rate). */
  fixedInputs?: Record<string, { type: 'float32' | 'int64' | 'int32'; shape: number[]; values: number[] }>;
}

/** Word triggers located in the model's vocabulary. */
export interface TextVocabularyTokens {
  /** The tokenizer file they were read from (tokenizer.json, vocab.txt, vocab.json). */
  source: string;
  /** The literature's rare-word triggers (cf, mn, bb, tq, mb) with every id the vocabulary spells them as (cf, ##cf, Ġcf, ▁cf). */
  known: Array<{ word: string; ids: number[]; spellings: string[] }>;
  /** Other short rare word pieces of the vocabulary, rarest first. */
  rare?: Array<{ id: number; spelling: string }>;
}

/** A trusted labelled set. inputs holds `count` samples of profile.sampleShape, row-major. */
export interface GoldenSet {
  source: string;
  count: number;
  sampleShape: number[];
  inputs: Float32Array | BigInt64Array | Int32Array;
  labels: Int32Array;
}

/**
 * A classifier behind onnxruntime-node: one session reused, batched, every forward pass counted.
 * `classify` takes `n` samples laid out contiguously and returns n × classCount scores.
 */
export interface Classifier {
  readonly profile: ProbeProfile;
  /** Forward passes (samples) run so far. */
  readonly passes: number;
  classify(inputs: Float32Array | BigInt64Array | Int32Array, n: number): Promise<Float32Array>;
  /** Argmax labels for n samples. */
  predict(inputs: Float32Array | BigInt64Array | Int32Array, n: number): Promise<Int32Array>;
  close(): Promise<void>;
}

/** The pass budget; a stage that needs more than is left stops and says so. */
export interface ProbeBudget {
  total: number;
  used(): number;
  remaining(): number;
}

/** One trigger candidate as tried on the model, image or text. */
export interface TriggerEvidence {
  family: string;
  /** Everything needed to re-apply it: location, size, pattern kind/seed, alpha, tokens, positions... */
  params: Record<string, unknown>;
  targetClass: number;
  /** Share of eligible inputs (true class != target) pushed to targetClass. */
  asr: number;
  inputs: number;
  sourceClasses: number;
  /** Best ASR among random controls of the same size and energy. */
  controlAsr: number;
  /** One-sided binomial p-value of the flips against the control flip rate. */
  pValue: number;
  /** Area share (image) or inserted tokens (text). */
  size: number;
  /** Rendered trigger for the HTML report: a mask/pattern as [H][W][C] in [0,1], or tokens. */
  preview?: { width: number; height: number; channels: number; pixels: number[] } | { tokens: number[] };
  /** One golden input with the trigger applied (same encoding as an image preview, or the token ids). */
  example?: { width: number; height: number; channels: number; pixels: number[] } | { tokens: number[] };
}

export type StageName = 'graph' | 'golden' | 'known-triggers' | 'reverse-engineering' | 'gate-confirmation';
export type StageStatus = 'ran' | 'skipped' | 'not-applicable' | 'failed' | 'budget-exhausted';

/** What a stage's evidence amounts to under the thresholds: fail (backdoor evidence), warn (weaker), none. */
export type StageOutcome = 'fail' | 'warn' | 'none';

export interface StageResult {
  stage: StageName;
  status: StageStatus;
  outcome: StageOutcome;
  /** One line: what the stage found, or why it did not run. */
  summary: string;
  passes: number;
  durationMs: number;
  /** Stage-specific evidence (stable keys, documented in docs/probes.md). */
  details: Record<string, unknown>;
  /** Trigger candidates that reached the report (strongest first). */
  triggers?: TriggerEvidence[];
}

/** Decision thresholds (policy keys under probes.thresholds; defaults from shared/docs/backdoor-detection.md §5.3). */
export interface ProbeThresholds {
  /** ASR at or above which a trigger fails the model. */
  asrFail: number;
  /** ASR at or above which a trigger is a warning. */
  asrWarn: number;
  minInputs: number;
  minSourceClasses: number;
  /** Largest patch area share (of H*W) that counts as a small trigger. */
  maxTriggerArea: number;
  /** Largest blend alpha that counts as a faint trigger. */
  maxBlendAlpha: number;
  /** Most inserted tokens that count as a small text trigger. */
  maxTextTokens: number;
  /** ASR minus best control ASR needed (or the p-value rule). */
  controlMargin: number;
  pValue: number;
  /** Median-absolute-deviation anomaly index above which a class is a warning (needs >= minClassesForMad classes). */
  madAnomalyIndex: number;
  minClassesForMad: number;
  /** Significance level of the golden-set accuracy tests. */
  goldenAlpha: number;
}

export const DEFAULT_THRESHOLDS: ProbeThresholds = {
  asrFail: 0.9,
  asrWarn: 0.5,
  minInputs: 50,
  minSourceClasses: 3,
  maxTriggerArea: 0.05,
  maxBlendAlpha: 0.3,
  maxTextTokens: 3,
  controlMargin: 0.5,
  pValue: 1e-6,
  madAnomalyIndex: 3,
  minClassesForMad: 5,
  goldenAlpha: 0.01,
};

/** The golden stage's record of each golden sample on the clean input, reused by later stages. */
export interface CleanBaseline {
  /** Predicted label per golden sample. */
  predicted: Int32Array;
  /** Indices of golden samples the model classifies correctly (trigger stages start from these). */
  correct: number[];
}

/** What the probes stage reports for one ONNX model file. */
export interface ModelProbeReport {
  file: string;
  profile: ProbeProfile | null;
  /** Why no profile could be derived (the model cannot be probed dynamically). */
  unprobeable?: string;
  stages: StageResult[];
  passes: number;
  durationMs: number;
  /** "no evidence of a backdoor found" or a one-line statement of the strongest evidence. */
  conclusion: string;
}
