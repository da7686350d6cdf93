/** The filter-language search box: applies on Enter, shows the server's error under it. */
import { useEffect, useState } from "react";
import { SearchIcon } from "../../components/Icons";

export const FILTER_EXAMPLE = "metrics.acc > 0.9 and params.model = 'rf'";

export function FilterBox({ value, onApply, error }: { value: string; onApply: (v: string) => void; error?: string | null }) {
  const [draft, setDraft] = useState(value);
  useEffect(() => setDraft(value), [value]);
  const dirty = draft.trim() !== value.trim();
  return (
    <div className="filter-box">
      <form className="row" style={{ gap: 6 }} onSubmit={(e) => { e.preventDefault(); onApply(draft.trim()); }}>
        <div className="search-box" style={{ flex: 1 }}>
          <SearchIcon className="search-icon" />
          <input className={`input mono ${error ? "invalid" : ""}`} value={draft} spellCheck={false}
            placeholder={`Filter runs, e.g. ${FILTER_EXAMPLE}`} aria-label="Filter runs" data-testid="filter-input"
            aria-invalid={!!error} aria-describedby={error ? "filter-error" : "filter-hint"}
            onChange={(e) => setDraft(e.target.value)}
            onKeyDown={(e) => { if (e.key === "Escape") setDraft(value); }} />
        </div>
        <button type="submit" className={`btn ${dirty ? "primary" : ""}`} disabled={!dirty}>Apply</button>
        {value && <button type="button" className="btn ghost" onClick={() => { setDraft(""); onApply(""); }}>Clear</button>}
      </form>
      {error ? (
        <div id="filter-error" className="field-error" role="alert" data-testid="filter-error">{error}</div>
      ) : (
        <div id="filter-hint" className="hint-text" style={{ marginTop: 4 }}>
          <code>metrics.</code>, <code>params.</code>, <code>tags.</code>, <code>attributes.</code> (status, name, start_time) with{" "}
          <code>= != &lt; &lt;= &gt; &gt;= like in</code>, joined by <code>and</code>. Press Enter to apply.
        </div>
      )}
    </div>
  );
}
