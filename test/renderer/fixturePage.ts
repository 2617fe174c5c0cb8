/**
 * The page the browser test loads: a stand-in for VS Code's notebook output webview. It sets the
 * theme's CSS variables (as VS Code does on the webview's root), a strict content policy (no
 * remote anything, no eval, scripts from the page's folder only), loads the renderer bundle as
 * a module, activates it with a fake context that records posted messages, and exposes one
 * function to render an output item into a named slot.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export type ThemeKind = 'vscode-light' | 'vscode-dark';

/** VS Code's own variable values (Light Modern / Dark Modern), the ones the renderer reads. */
export const THEMES: Record<ThemeKind, Record<string, string>> = {
  'vscode-light': {
    '--vscode-font-family': 'system-ui, "Ubuntu", "Droid Sans", sans-serif',
    '--vscode-font-size': '13px',
    '--vscode-editor-font-family': '"Droid Sans Mono", monospace',
    '--vscode-foreground': '#3b3b3b',
    '--vscode-editor-foreground': '#3b3b3b',
    '--vscode-editor-background': '#ffffff',
    '--vscode-descriptionForeground': '#717171',
    '--vscode-panel-border': '#e5e5e5',
    '--vscode-editorWidget-border': '#c8c8c8',
    '--vscode-editor-inactiveSelectionBackground': '#e5ebf1',
    '--vscode-focusBorder': '#005fb8',
    '--vscode-dropdown-background': '#ffffff',
    '--vscode-dropdown-foreground': '#3b3b3b',
    '--vscode-dropdown-border': '#cecece',
    '--vscode-progressBar-background': '#005fb8',
    '--vscode-badge-background': '#cccccc',
    '--vscode-badge-foreground': '#3b3b3b',
    '--vscode-errorForeground': '#f85149',
  },
  'vscode-dark': {
    '--vscode-font-family': 'system-ui, "Ubuntu", "Droid Sans", sans-serif',
    '--vscode-font-size': '13px',
    '--vscode-editor-font-family': '"Droid Sans Mono", monospace',
    '--vscode-foreground': '#cccccc',
    '--vscode-editor-foreground': '#cccccc',
    '--vscode-editor-background': '#1f1f1f',
    '--vscode-descriptionForeground': '#9d9d9d',
    '--vscode-panel-border': '#2b2b2b',
    '--vscode-editorWidget-border': '#454545',
    '--vscode-editor-inactiveSelectionBackground': '#3a3d41',
    '--vscode-focusBorder': '#0078d4',
    '--vscode-dropdown-background': '#313131',
    '--vscode-dropdown-foreground': '#cccccc',
    '--vscode-dropdown-border': '#3c3c3c',
    '--vscode-progressBar-background': '#0078d4',
    '--vscode-badge-background': '#616161',
    '--vscode-badge-foreground': '#f8f8f8',
    '--vscode-errorForeground': '#f85149',
    '--vscode-inputValidation-errorBackground': '#5a1d1d',
    '--vscode-inputValidation-errorBorder': '#be1100',
  },
};

/** The page's policy: scripts from its folder, inline styles (vega's and the views'), data: images. */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'unsafe-inline'",
  'img-src data:',
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const FIXTURE_SCRIPT = `
import { activate } from './renderer.js';
window.mmnerPosted = [];
const api = await activate({
  postMessage: (message) => window.mmnerPosted.push(message),
  setState() {},
  getState() { return undefined; },
  getRenderer: async () => undefined,
  workspace: { isTrusted: true },
});
/** Renders one output item into the slot named \`slot\` (made on first use, titled with it). */
window.mmnerRender = async ({ slot, id, mime, text }) => {
  let section = document.querySelector('section[data-slot="' + CSS.escape(slot) + '"]');
  if (!section) {
    section = document.createElement('section');
    section.dataset.slot = slot;
    const h = document.createElement('h2');
    h.textContent = slot;
    const out = document.createElement('div');
    out.className = 'output';
    section.append(h, out);
    document.querySelector('main').append(section);
  }
  const item = {
    id,
    mime,
    metadata: {},
    text: () => text,
    json: () => JSON.parse(text),
    data: () => new TextEncoder().encode(text),
    blob: () => new Blob([text], { type: mime }),
  };
  await api.renderOutputItem(item, section.querySelector('.output'), new AbortController().signal);
};
window.mmnerDispose = (id) => api.disposeOutputItem(id);
window.mmnerReady = true;
`;

/** Writes index.html and fixture.js for `theme` into `dir` (which holds renderer.js); returns the page. */
export async function writeFixturePage(dir: string, theme: ThemeKind): Promise<string> {
  const vars = Object.entries(THEMES[theme])
    .map(([k, v]) => `${k}: ${v};`)
    .join(' ');
  const page = `<!doctype html>
<html lang="en" style="${vars.replaceAll('"', '&quot;')}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${PAGE_CSP}">
<title>mmner renderer fixture (${theme})</title>
<style>
body { margin: 0; padding: 12px 20px; background: var(--vscode-editor-background); color: var(--vscode-editor-foreground); font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); }
main { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 8px 24px; }
section h2 { font-size: 11px; font-weight: 600; text-transform: uppercase; letter-spacing: .05em; color: var(--vscode-descriptionForeground); margin: 10px 0 4px; }
</style>
</head>
<body class="${theme}" data-vscode-theme-kind="${theme}">
<main></main>
<script type="module" src="fixture.js"></script>
</body>
</html>
`;
  const file = join(dir, `${theme}.html`);
  await writeFile(file, page);
  await writeFile(join(dir, 'fixture.js'), FIXTURE_SCRIPT);
  return file;
}
