import type { HeldByDto, TopSiteDto } from '../../../../preload/contract.ts';

/** The project line a leak was allocated on, with its code. */
export function SourceSite({ site }: { site: TopSiteDto }) {
  const where = `${site.file}:${site.line}`;
  return (
    <div className="evidence-site" data-testid="top-site" data-location={where}>
      <span className="evidence-label">Allocated at</span>
      <code className="site-location">{where}</code>
      {site.code ? (
        <pre className="site-code">
          <code>{site.code}</code>
        </pre>
      ) : (
        <span className="muted small">(the file no longer has this line)</span>
      )}
    </div>
  );
}

/** What keeps the leaked objects alive: the root and the chain of references down to them. */
export function HeldBy({ heldBy }: { heldBy: HeldByDto }) {
  return (
    <div
      className="evidence-held"
      data-testid="held-by"
      data-kind={heldBy.root.kind}
      data-name={heldBy.root.name}
    >
      <span className="evidence-label">Held by</span>
      <span>
        {heldBy.root.kind} <code>{heldBy.root.name}</code>
        {heldBy.partial && (
          <span className="tag tag-partial" title="The referrer search was cut short">
            partial
          </span>
        )}
      </span>
      <code className="held-chain">{heldBy.chain}</code>
    </div>
  );
}
