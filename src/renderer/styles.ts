/**
 * The renderer's own CSS, added after viz's view CSS in each output's shadow root: the error box,
 * filters, the interactive attention and alignment layouts, the progress bar. Colours come from
 * VS Code's theme variables (with light fallbacks), so outputs follow light, dark and
 * high-contrast themes.
 */

export const RENDERER_CSS = `
:host { display: block; color: var(--vscode-editor-foreground, #1f2328); font-family: var(--vscode-font-family, sans-serif); font-size: var(--vscode-font-size, 13px); }
.mm-output { overflow-x: auto; }
.mm-noimage { background: var(--vscode-editor-inactiveSelectionBackground, #eaeef2); color: var(--vscode-descriptionForeground, #6e7781); }
.mm-table-view td:has(> .mm-tokens) { min-width: 16em; }
.mm-table { color: inherit; }
.mm-render-error { border: 1px solid var(--vscode-inputValidation-errorBorder, #cf222e); background: var(--vscode-inputValidation-errorBackground, #ffebe9); color: var(--vscode-errorForeground, #82071e); border-radius: 4px; padding: 6px 10px; }
.mm-render-error p { margin: 4px 0 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.mm-render-error .mm-code { font-family: var(--vscode-editor-font-family, monospace); font-size: 11px; opacity: .8; }
.mm-refused code { font-family: var(--vscode-editor-font-family, monospace); overflow-wrap: anywhere; }
.mm-filters { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 14px; margin: 4px 0; font-size: 12px; }
.mm-filters select { background: var(--vscode-dropdown-background, #ffffff); color: var(--vscode-dropdown-foreground, inherit); border: 1px solid var(--vscode-dropdown-border, #d0d7de); border-radius: 2px; padding: 1px 4px; font: inherit; }
.mm-filter-count { color: var(--vscode-descriptionForeground, #57606a); }
.mm-table th[data-sort]:focus-visible, .mm-att-tok:focus-visible { outline: 1px solid var(--vscode-focusBorder, #0969da); outline-offset: 1px; }
.mm-attention-live { display: flex; flex-wrap: wrap; gap: 12px 18px; align-items: flex-start; }
.mm-att-large, .mm-att-large .mm-thumb { width: 256px; height: 256px; }
.mm-att-layer { position: absolute; inset: 0; pointer-events: none; }
.mm-att-side { flex: 1 1 280px; min-width: 0; }
.mm-att-tokens { line-height: 2.6; margin: 0; }
.mm-att-tok { font: inherit; color: inherit; border: 1px solid var(--vscode-editorWidget-border, #d0d7de); border-radius: 4px; padding: 1px 5px 0; margin: 0 3px 3px 0; cursor: pointer; display: inline-flex; flex-direction: column; align-items: center; line-height: 1.3; background: rgba(255, 61, 0, calc(var(--mm-gate, 0) * 0.55)); }
.mm-att-tok[aria-pressed="true"] { border-color: var(--vscode-focusBorder, #0969da); box-shadow: 0 0 0 1px var(--vscode-focusBorder, #0969da); }
.mm-att-gate { font-size: 9px; opacity: .8; font-variant-numeric: tabular-nums; }
.mm-att-caption { min-height: 1.4em; font-size: 12px; }
.mm-alignment { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
.mm-align-card { flex: 0 1 260px; min-width: 200px; border: 1px solid var(--vscode-editorWidget-border, #d0d7de); border-radius: 6px; padding: 8px 10px; font-size: 12px; }
.mm-align-card .mm-thumb { margin: 6px 0; }
.mm-card-text { line-height: 1.6; margin: 4px 0 0; }
.mm-badge { font-size: 10px; padding: 0 5px; border-radius: 8px; background: var(--vscode-badge-background, #0969da); color: var(--vscode-badge-foreground, #ffffff); }
.mm-progress { display: flex; align-items: center; gap: 10px; font-size: 12px; font-variant-numeric: tabular-nums; }
.mm-progress-state { min-width: 5.5em; font-weight: 600; }
.mm-progress-track { flex: 0 0 220px; height: 6px; border-radius: 3px; background: var(--vscode-editorWidget-border, #d0d7de); overflow: hidden; }
.mm-progress-fill { display: block; height: 100%; width: 0; background: var(--vscode-progressBar-background, #0969da); transition: width .3s ease-out; }
.mm-progress[data-state="failed"] .mm-progress-fill, .mm-progress[data-state="cancelled"] .mm-progress-fill { background: var(--vscode-errorForeground, #cf222e); }
.mm-progress[data-state="done"] .mm-progress-fill { background: var(--vscode-testing-iconPassed, #1a7f37); }
.mm-progress-text { color: var(--vscode-descriptionForeground, #57606a); }
`;
