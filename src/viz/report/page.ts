/**
 * The fixed parts of the report page: its stylesheet and its one inline script (table sorting and
 * the error filters). The script is a constant so the page's Content-Security-Policy can allow it
 * by hash; it reads data attributes and text only and never writes markup.
 */

export const REPORT_CSS = `
:root { color-scheme: light; }
body { margin: 0; font: 14px/1.45 system-ui, "DejaVu Sans", "Segoe UI", Arial, sans-serif; color: #1f2328; background: #ffffff; }
header { padding: 18px 28px 10px; border-bottom: 1px solid #d8dee4; background: #f6f8fa; }
header h1 { margin: 0 0 4px; font-size: 22px; overflow-wrap: anywhere; }
header p { margin: 0; color: #57606a; }
nav ul { list-style: none; padding: 0; margin: 10px 0 0; display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 13px; }
nav a { color: #0969da; text-decoration: none; }
nav a:hover { text-decoration: underline; }
main { padding: 8px 28px 40px; max-width: 1200px; }
section { padding-top: 12px; border-bottom: 1px solid #eaeef2; padding-bottom: 12px; }
h2 { font-size: 18px; margin: 12px 0 8px; }
h3 { font-size: 15px; margin: 14px 0 6px; overflow-wrap: anywhere; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
figure.chart { margin: 0; }
figure.chart img { display: block; max-width: 100%; height: auto; border: 1px solid #eaeef2; }
figure.chart figcaption { font-size: 12px; color: #57606a; margin-top: 2px; }
figure.chart figcaption a { color: #0969da; }
.summary { display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); gap: 8px; margin: 8px 0 12px; }
.summary div { border: 1px solid #d8dee4; border-radius: 6px; padding: 8px 10px; }
.summary dt { font-size: 12px; color: #57606a; }
.summary dd { margin: 2px 0 0; font-size: 18px; font-weight: 600; overflow-wrap: anywhere; }
.summary dd small { font-size: 12px; font-weight: normal; color: #57606a; }
.missing { color: #57606a; font-style: italic; }
.filters { display: flex; gap: 12px; align-items: center; font-size: 13px; margin: 6px 0; }
.filters output { color: #57606a; }
footer { padding: 12px 28px; color: #57606a; font-size: 12px; }
`;

export const REPORT_SCRIPT = `(() => {
  'use strict';
  const valueOf = (row, index, kind) => {
    const cell = row.cells[index];
    if (kind !== 'number') return cell ? cell.textContent.trim() : '';
    const v = cell ? Number.parseFloat(cell.dataset.value ?? cell.textContent) : Number.NaN;
    return Number.isNaN(v) ? Number.NEGATIVE_INFINITY : v;
  };
  for (const table of document.querySelectorAll('table[data-sortable]')) {
    const head = table.tHead;
    const body = table.tBodies[0];
    if (!head || !body) continue;
    for (const th of head.querySelectorAll('th[data-sort]')) {
      th.tabIndex = 0;
      const sort = () => {
        const index = th.cellIndex;
        const kind = th.dataset.sort;
        const dir = th.getAttribute('aria-sort') === 'ascending' ? -1 : 1;
        for (const other of head.querySelectorAll('th')) other.removeAttribute('aria-sort');
        th.setAttribute('aria-sort', dir === 1 ? 'ascending' : 'descending');
        const rows = Array.from(body.rows);
        const totals = rows.filter((r) => r.classList.contains('mm-total'));
        const moving = rows.filter((r) => !r.classList.contains('mm-total'));
        moving.sort((a, b) => {
          const x = valueOf(a, index, kind);
          const y = valueOf(b, index, kind);
          return dir * (kind === 'number' ? x - y : String(x).localeCompare(String(y)));
        });
        body.append(...moving, ...totals);
      };
      th.addEventListener('click', sort);
      th.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          sort();
        }
      });
    }
  }
  const selects = Array.from(document.querySelectorAll('select[data-filter-for]'));
  const apply = (tableId) => {
    const table = document.getElementById(tableId);
    if (!table || !table.tBodies[0]) return;
    const active = selects.filter((s) => s.dataset.filterFor === tableId && s.value !== '');
    let shown = 0;
    for (const row of table.tBodies[0].rows) {
      const keep = active.every((s) => row.getAttribute('data-' + s.dataset.filterAttr) === s.value);
      row.hidden = !keep;
      if (keep) shown++;
    }
    const count = document.getElementById(tableId + '-count');
    if (count) count.textContent = shown + ' shown';
  };
  for (const s of selects) s.addEventListener('change', () => apply(s.dataset.filterFor));
})();`;
