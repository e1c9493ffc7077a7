import type { ReferrerChainDto } from '../../../../preload/contract.ts';
import { referrerTree, type ReferrerNode, type ReferrerRoot } from './referrerTree.ts';

export const PARTIAL_TEXT = 'partial: the search hit its time budget';
const PARTIAL_TITLE =
  'The search was cut by its time budget (or its depth or breadth limit) before reaching a root';

function PartialTag() {
  return (
    <span className="tag tag-partial" title={PARTIAL_TITLE} data-testid="referrer-partial">
      {PARTIAL_TEXT}
    </span>
  );
}

function Node({ node }: { node: ReferrerNode }) {
  return (
    <li className="referrer-node" data-label={node.label}>
      <div className="referrer-step">
        <span className="mono">{node.label}</span>
        <span className="muted small">{node.type}</span>
        {node.chains > 1 && <span className="tag">{node.chains} samples</span>}
        {node.partial && <PartialTag />}
      </div>
      {node.children.length > 0 && (
        <ul className="referrer-children">
          {node.children.map((child) => (
            <Node key={child.label} node={child} />
          ))}
        </ul>
      )}
    </li>
  );
}

function Root({ root }: { root: ReferrerRoot }) {
  const unknown = root.kind === 'unknown';
  return (
    <li
      className={`referrer-root ${unknown ? 'referrer-root-unknown' : ''}`}
      data-testid="referrer-root"
      data-kind={root.kind}
      data-name={root.name}
      data-partial={root.partial}
    >
      <div className="referrer-root-head">
        <span className="badge referrer-kind">{root.kind}</span>
        <code className="referrer-name">{root.name}</code>
        {root.thread && <span className="tag">thread {root.thread}</span>}
        <span className="muted small">
          {root.chains === 1 ? '1 chain' : `${root.chains} chains`}, depth {root.depth}
        </span>
        {root.partial && <PartialTag />}
      </div>
      {unknown && (
        <p className="hint small">
          {root.exhausted
            ? 'The search was complete: nothing named holds it (it may be garbage waiting for collection).'
            : 'No named root was reached.'}
        </p>
      )}
      {root.children.length > 0 && (
        <ul className="referrer-children">
          {root.children.map((child) => (
            <Node key={child.label} node={child} />
          ))}
        </ul>
      )}
    </li>
  );
}

/** Referrer chains merged into a tree: each root (what holds it) at the top, down to the sample objects. */
export function ReferrerTreeView({ chains }: { chains: readonly ReferrerChainDto[] }) {
  const roots = referrerTree(chains);
  if (roots.length === 0) return <p className="muted small">No instance was found to follow.</p>;
  return (
    <ul className="referrer-tree" aria-label="Who holds it" data-testid="referrer-tree">
      {roots.map((root) => (
        <Root key={`${root.kind}\u0000${root.name}\u0000${root.thread ?? ''}`} root={root} />
      ))}
    </ul>
  );
}
