import type { FlatGraph } from './flatten.js';
import { displayName } from './flatten.js';
import { RANDOM, STANDARD_DOMAINS, SUBGRAPH_OPS } from './ops.js';

const SUSPICIOUS_NAME = /shadow|backdoor|trojan|trigger|payload|malic/i;
const MAX_LISTED = 5;

/** S5: operators and names unusual for a feed-forward classifier. Informational only. */
export function unusualNotes(flat: FlatGraph): { notes: string[]; suspiciousNodes: Set<number> } {
  const notes: string[] = [];
  const suspiciousNodes = new Set<number>();
  const byKind = new Map<string, string[]>();
  const add = (kind: string, name: string): void => {
    const list = byKind.get(kind) ?? [];
    list.push(name);
    byKind.set(kind, list);
  };
  for (const node of flat.nodes) {
    if (node.pseudo) continue;
    if (SUBGRAPH_OPS.has(node.opType)) add(`control-flow op ${node.opType}`, node.name);
    if (RANDOM.has(node.opType)) add(`random op ${node.opType}`, node.name);
    if (!STANDARD_DOMAINS.has(node.domain)) add(`custom-domain op ${displayName(node.domain)}::${displayName(node.opType)}`, node.name);
    if (SUSPICIOUS_NAME.test(node.name)) {
      add('node name suggesting an implant', node.name);
      suspiciousNodes.add(node.id);
    }
  }
  for (const [kind, names] of byKind) {
    const more = names.length > MAX_LISTED ? ` and ${names.length - MAX_LISTED} more` : '';
    notes.push(`S5: ${kind}: ${names.slice(0, MAX_LISTED).join(', ')}${more}`);
  }
  return { notes, suspiciousNodes };
}
