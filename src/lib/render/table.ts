/**
 * A plain aligned table: widths are measured on the text before it is colored, so colors
 * never break the alignment (hux.alignColumns only strips 8-color codes).
 */
export interface TableColumn<T> {
  /** colors a cell after padding; gets the padded text */
  color?: (text: string, row: T) => string
  get: (row: T) => string
  header: string
}

export function renderTable<T>(rows: readonly T[], columns: ReadonlyArray<TableColumn<T>>, indent = ''): string[] {
  const cells = rows.map(row => columns.map(column => column.get(row)))
  const widths = columns.map((column, index) => Math.max(column.header.length, ...cells.map(row => (row[index] ?? '').length)))
  const line = (values: string[], row?: T): string => indent + values
    .map((value, index) => {
      const last = index === values.length - 1
      const padded = last ? value : value.padEnd(widths[index] ?? 0)
      const color = columns[index]?.color
      return row !== undefined && color ? color(padded, row) : padded
    })
    .join('  ')
    .trimEnd()
  return [line(columns.map(column => column.header)), ...cells.map((values, index) => line(values, rows[index]))]
}

/** `1 app`, `2 apps`. */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`
}
