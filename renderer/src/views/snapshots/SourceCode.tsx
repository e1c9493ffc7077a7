/** A traceback's source line, or why there is none (the file changed or is gone since the snapshot). */
export function SourceCode({ code }: { code: string | null }) {
  if (code === null)
    return (
      <span className="source source-missing small" data-testid="source-missing">
        source not available
      </span>
    );
  return <code className="source">{code.trim()}</code>;
}
