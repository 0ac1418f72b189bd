export { binomialLogPmf, binomialTailGE, binomialTailLE, binomialTestBelow, criticalCountBelow, powerBelow } from './binomial.js';
export { clopperPearson } from './clopper-pearson.js';
export { mcnemarExact, mcnemarMidP } from './mcnemar.js';
export { madAnomalyIndex, median, MAD_CONSTANT, type MadAnomaly } from './mad.js';
export { perClassBelow, type ClassTest } from './bonferroni.js';
export { logChoose, logGamma } from './gamma.js';
