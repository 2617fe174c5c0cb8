/**
 * Sorting and filtering for the tables viz builds, with DOM events (no inline script, so the
 * webview's content policy stays strict). A header marked `data-sort="number|text"` sorts its
 * column on click or Enter/Space, toggling ascending/descending (`aria-sort`); a total row
 * (`tr.mm-total`) stays last. Filters are select boxes over row data attributes (`data-lang`,
 * `data-class`, …), combined with AND, with a count of the rows shown.
 */
import { html, type SafeHtml } from '../viz/html/escape.js';

/** The value a cell sorts by: its `data-value` for numbers (blank = last), else its text. */
function sortKey(cell: HTMLTableCellElement | undefined, kind: string): number | string {
  if (!cell) return kind === 'number' ? Number.POSITIVE_INFINITY : '';
  if (kind !== 'number') return (cell.textContent ?? '').trim().toLocaleLowerCase();
  const raw = cell.dataset.value ?? cell.textContent ?? '';
  const n = raw.trim() === '' ? Number.NaN : Number(raw);
  return Number.isFinite(n) ? n : Number.POSITIVE_INFINITY;
}

function compare(a: number | string, b: number | string): number {
  if (typeof a === 'number' && typeof b === 'number') return a === b ? 0 : a < b ? -1 : 1;
  return String(a).localeCompare(String(b));
}

/** Makes the `data-sort` headers of `table` sort its body. Listeners end with `signal`. */
export function makeSortable(table: HTMLTableElement, signal: AbortSignal): void {
  const headers = Array.from(table.tHead?.rows[0]?.cells ?? []);
  const body = table.tBodies[0];
  if (!body) return;
  headers.forEach((th, column) => {
    const kind = th.dataset.sort;
    if (!kind) return;
    th.tabIndex = 0;
    th.setAttribute('role', 'columnheader button');
    const sort = () => {
      const ascending = th.getAttribute('aria-sort') !== 'ascending';
      for (const other of headers) other.removeAttribute('aria-sort');
      th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
      const rows = Array.from(body.rows);
      const totals = rows.filter((r) => r.classList.contains('mm-total'));
      const keyed = rows
        .filter((r) => !r.classList.contains('mm-total'))
        .map((row, at) => ({ row, at, key: sortKey(row.cells[column], kind) }));
      // Stable: equal keys keep their order; blanks stay last either way.
      keyed.sort((x, y) => {
        const blank = Number(x.key === Number.POSITIVE_INFINITY) - Number(y.key === Number.POSITIVE_INFINITY);
        if (blank !== 0) return blank;
        return (ascending ? compare(x.key, y.key) : compare(y.key, x.key)) || x.at - y.at;
      });
      body.append(...keyed.map((k) => k.row), ...totals);
    };
    th.addEventListener('click', sort, { signal });
    th.addEventListener(
      'keydown',
      (e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          sort();
        }
      },
      { signal },
    );
  });
}

export interface FilterSpec {
  /** The row attribute, without `data-` (e.g. `lang`). */
  attr: string;
  label: string;
}

/**
 * The filter bar for `rows`: one select per attribute with the values found in the rows (sorted,
 * "all" first), and the count of rows shown. Returned as markup; `wireFilters` attaches it.
 */
export function filterBar(
  rows: readonly { [attr: string]: string }[],
  filters: readonly FilterSpec[],
): SafeHtml {
  const selects = filters.map((f) => {
    const values = [
      ...new Set(rows.map((r) => r[f.attr]).filter((v): v is string => v !== undefined)),
    ].sort();
    return html`<label class="mm-filter">${f.label} <select data-filter-attr="${f.attr}"><option value="">all</option>${values.map(
      (v) => html`<option value="${v}">${v}</option>`,
    )}</select></label>`;
  });
  return html`<div class="mm-filters" role="group" aria-label="Filters">${selects}<span class="mm-filter-count" aria-live="polite">${rows.length} shown</span></div>`;
}

/** Hides the rows of `table` that do not match every select of `bar`; updates the count. */
export function wireFilters(bar: HTMLElement, table: HTMLTableElement, signal: AbortSignal): void {
  const selects = Array.from(bar.querySelectorAll<HTMLSelectElement>('select[data-filter-attr]'));
  const count = bar.querySelector<HTMLElement>('.mm-filter-count');
  const apply = () => {
    let shown = 0;
    for (const row of Array.from(table.tBodies[0]?.rows ?? [])) {
      const visible = selects.every(
        (s) => s.value === '' || row.getAttribute(`data-${s.dataset.filterAttr}`) === s.value,
      );
      row.hidden = !visible;
      if (visible) shown++;
    }
    if (count) count.textContent = `${shown} shown`;
  };
  for (const s of selects) s.addEventListener('change', apply, { signal });
}
