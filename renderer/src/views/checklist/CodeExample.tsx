import type { FixGuide } from './fixGuide.ts';

/** The fix in Django code: what the leak usually looks like, and the change. */
export function CodeExample({ guide, open }: { guide: FixGuide; open: boolean }) {
  return (
    <details className="code-example" open={open}>
      <summary>Before and after, in Django</summary>
      <div className="code-pair">
        <figure>
          <figcaption>Before</figcaption>
          <pre>
            <code>{guide.before}</code>
          </pre>
        </figure>
        <figure>
          <figcaption>After</figcaption>
          <pre>
            <code>{guide.after}</code>
          </pre>
        </figure>
      </div>
    </details>
  );
}
