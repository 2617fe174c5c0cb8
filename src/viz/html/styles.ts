/**
 * The stylesheet of the HTML views (`mm-` classes), as a string so the static report inlines it
 * and the notebook renderer can put it in its shadow root. Colours fall back from VS Code's theme
 * variables to a light theme, so the same CSS reads in a webview and in a plain browser.
 */

export const VIEW_CSS = `
.mm-table { border-collapse: collapse; font-size: 13px; margin: 8px 0 16px; }
.mm-table caption { caption-side: top; text-align: left; color: var(--vscode-descriptionForeground, #57606a); padding: 4px 0; }
.mm-table th, .mm-table td { border-bottom: 1px solid var(--vscode-editorWidget-border, #d8dee4); padding: 4px 8px; vertical-align: top; text-align: left; }
.mm-table th { background: var(--vscode-editor-inactiveSelectionBackground, #f3f5f7); font-weight: 600; white-space: nowrap; }
.mm-table th[data-sort] { cursor: pointer; }
.mm-table th[aria-sort="ascending"]::after { content: " ▲"; }
.mm-table th[aria-sort="descending"]::after { content: " ▼"; }
.mm-table td.mm-num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.mm-table tr.mm-total td { font-weight: 600; border-top: 2px solid var(--vscode-editorWidget-border, #afb8c1); }
.mm-up { color: #1a7f37; }
.mm-down { color: #cf222e; }
.mm-none { color: var(--vscode-descriptionForeground, #8c959f); }
.mm-id { color: var(--vscode-descriptionForeground, #6e7781); font-size: 11px; word-break: break-all; }
.mm-swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 5px; vertical-align: baseline; }
.mm-tokens { line-height: 2.1; unicode-bidi: isolate; overflow-wrap: anywhere; }
.mm-tok { unicode-bidi: isolate; }
.mm-tok.mm-focus { text-decoration: underline 2px #cf222e; text-underline-offset: 3px; }
.mm-ent { color: #1f2328; border-radius: 3px; padding: 1px 3px; box-decoration-break: clone; -webkit-box-decoration-break: clone; }
.mm-ent.mm-mismatch { outline: 2px dashed #cf222e; outline-offset: -1px; }
.mm-type { font-size: 9px; font-weight: 700; letter-spacing: .02em; margin-left: 3px; vertical-align: super; opacity: .75; }
.mm-sentence { display: grid; grid-template-columns: 132px minmax(0, 1fr); gap: 10px 14px; margin: 0 0 14px; padding: 10px; border: 1px solid var(--vscode-editorWidget-border, #d8dee4); border-radius: 6px; }
.mm-sentence-columns { display: grid; grid-template-columns: repeat(auto-fit, minmax(220px, 1fr)); gap: 8px 16px; }
.mm-column-label { font-size: 11px; text-transform: uppercase; letter-spacing: .04em; color: var(--vscode-descriptionForeground, #57606a); }
.mm-sentence figcaption { grid-column: 1 / -1; font-size: 12px; color: var(--vscode-descriptionForeground, #57606a); }
.mm-thumb { display: block; width: 128px; height: 128px; object-fit: cover; border-radius: 4px; background: #eaeef2; }
.mm-noimage { display: flex; align-items: center; justify-content: center; color: #6e7781; font-size: 12px; }
.mm-image-cell .mm-thumb { width: 72px; height: 72px; }
.mm-attention { margin: 0 0 18px; }
.mm-att-line { line-height: 2; }
.mm-att-token { padding: 1px 3px; border-radius: 3px; unicode-bidi: isolate; }
.mm-att-grid { display: flex; flex-wrap: wrap; gap: 10px; }
.mm-att-cell { margin: 0; width: 132px; }
.mm-att-frame { position: relative; width: 128px; height: 128px; }
.mm-att-frame .mm-thumb { width: 128px; height: 128px; }
.mm-att-overlay { position: absolute; inset: 0; width: 100%; height: 100%; }
.mm-att-cell figcaption { font-size: 12px; margin-top: 3px; overflow-wrap: anywhere; }
.mm-gate-row { display: block; white-space: nowrap; }
.mm-gate { display: inline-block; width: 40px; height: 6px; background: #eaeef2; border-radius: 3px; vertical-align: middle; overflow: hidden; }
.mm-gate > span { display: block; height: 100%; background: #ff3d00; }
.mm-gate-label { font-size: 10px; color: var(--vscode-descriptionForeground, #57606a); margin-left: 3px; }
.mm-note { font-size: 12px; color: var(--vscode-descriptionForeground, #57606a); }
`;
