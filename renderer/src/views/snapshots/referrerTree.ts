import type { ReferrerChainDto, ReferrerStepDto } from '../../../../preload/contract.ts';

/** One step shared by one or more chains: chains that went through the same labels share the node. */
export interface ReferrerNode {
  label: string;
  type: string;
  /** How many chains pass through (or end at) this node. */
  chains: number;
  /** A chain cut short (time budget, depth or breadth limit) ends here. */
  partial: boolean;
  children: ReferrerNode[];
}

/** The chains that start at one root, merged into a tree of their steps. */
export interface ReferrerRoot {
  kind: string;
  name: string;
  thread: string | null;
  /** For an unknown root: the search was complete, nothing named holds the object. */
  exhausted: boolean;
  chains: number;
  /** Some chain under this root is partial. */
  partial: boolean;
  /** The shortest chain's depth. */
  depth: number;
  children: ReferrerNode[];
}

function rootKey(root: ReferrerChainDto['root']): string {
  return JSON.stringify([root.kind, root.name, root.thread ?? null]);
}

function addSteps(siblings: ReferrerNode[], steps: readonly ReferrerStepDto[], partial: boolean): void {
  let level = siblings;
  steps.forEach((step, i) => {
    let node = level.find((n) => n.label === step.label);
    if (!node) {
      node = { label: step.label, type: step.type, chains: 0, partial: false, children: [] };
      level.push(node);
    }
    node.chains += 1;
    if (partial && i === steps.length - 1) node.partial = true;
    level = node.children;
  });
}

/**
 * Merges referrer chains (each from its root down to a sample object) into one tree per root: chains with
 * the same root share their nodes as long as their step labels agree. Named roots come before unknown ones,
 * then the nearest first; within a root, steps keep the order the chains gave them.
 */
export function referrerTree(chains: readonly ReferrerChainDto[]): ReferrerRoot[] {
  const roots = new Map<string, ReferrerRoot>();
  for (const chain of chains) {
    const key = rootKey(chain.root);
    let root = roots.get(key);
    if (!root) {
      root = {
        kind: chain.root.kind,
        name: chain.root.name,
        thread: chain.root.thread ?? null,
        exhausted: chain.root.exhausted ?? false,
        chains: 0,
        partial: false,
        depth: chain.depth,
        children: [],
      };
      roots.set(key, root);
    }
    root.chains += 1;
    root.partial ||= chain.partial;
    root.exhausted &&= chain.root.exhausted ?? false;
    root.depth = Math.min(root.depth, chain.depth);
    addSteps(root.children, chain.steps, chain.partial);
  }
  const unknown = (r: ReferrerRoot): number => (r.kind === 'unknown' ? 1 : 0);
  return [...roots.values()].sort((a, b) => unknown(a) - unknown(b) || a.depth - b.depth);
}
