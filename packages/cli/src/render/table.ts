// Plain-text tables for terminals and logs: left-aligned columns, two spaces apart, no colours (so
// the output reads the same in a pipe, a CI log and a screen reader).

/** Renders rows under a header; every cell is one line (newlines are flattened). */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string[] {
  const clean = (cell: string): string => cell.replace(/[\r\n\t]+/g, ' ')
  const all = [header, ...rows].map((r) => r.map(clean))
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)))
  return all.map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  )
}
