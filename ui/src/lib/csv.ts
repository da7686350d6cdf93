/**
 * A small RFC 4180 CSV parser for artifact previews: quoted fields, doubled quotes,
 * CRLF or LF line ends, and an optional delimiter (comma, or tab for .tsv).
 * Stops after `maxRows` rows so a large file previews quickly.
 */
export function parseCsv(text: string, opts: { delimiter?: string; maxRows?: number } = {}): string[][] {
  const d = opts.delimiter ?? ",";
  const maxRows = opts.maxRows ?? Infinity;
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let inQuotes = false;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (inQuotes) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        inQuotes = false;
        i++;
        continue;
      }
      field += c;
      i++;
      continue;
    }
    if (c === '"' && field === "") {
      inQuotes = true;
      i++;
    } else if (c === d) {
      row.push(field);
      field = "";
      i++;
    } else if (c === "\n" || c === "\r") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      if (c === "\r" && text[i + 1] === "\n") i++;
      i++;
      if (rows.length >= maxRows) return rows;
    } else {
      field += c;
      i++;
    }
  }
  if (field !== "" || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
