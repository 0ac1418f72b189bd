import fc from 'fast-check';

// CI runs every property with one fixed seed so a run is reproducible; locally each run explores new
// inputs (set FC_SEED to replay a failure that fast-check reported).
const seed = process.env['FC_SEED'] ?? (process.env['CI'] ? '20261201' : undefined);
if (seed !== undefined) fc.configureGlobal({ seed: Number(seed) });
