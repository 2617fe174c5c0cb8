/**
 * Shows a run's static report (viz/report) inside a VS Code webview: the page's own
 * Content-Security-Policy allows `'self'` images, which a webview cannot serve, so the policy is
 * rewritten for the webview's resource origin and every relative `src`/`href` becomes a webview
 * URI. The report's inline script keeps its hash; a nonce'd one-liner jumps to a section.
 * Pure string work, no `vscode` import.
 */

export interface WebviewReportOptions {
  /** `webview.cspSource`. */
  cspSource: string;
  /** The report folder as a webview URI (`webview.asWebviewUri(folder).toString()`), no trailing slash. */
  baseUri: string;
  /** A random token for the section-jump script. */
  nonce: string;
  /** The section to scroll to, e.g. `errors` or `alignment`. */
  section?: string;
}

const CSP_META = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"\s*\/?>/i;

/** The hashes the report's CSP allows for scripts (`'sha256-…'`). */
export function scriptHashes(html: string): string[] {
  const csp = CSP_META.exec(html)?.[1] ?? '';
  const scriptSrc = csp
    .split(';')
    .map((d) => d.trim())
    .find((d) => d.startsWith('script-src'));
  return scriptSrc?.split(/\s+/).filter((s) => /^'sha(256|384|512)-[A-Za-z0-9+/=]+'$/.test(s)) ?? [];
}

/** A relative URL inside the report folder (not `#x`, `data:`, `https:`, `/abs` or `//host`). */
function isRelative(url: string): boolean {
  return url !== '' && !/^([a-z][a-z0-9+.-]*:|#|\/)/i.test(url);
}

export function adaptReportHtml(html: string, options: WebviewReportOptions): string {
  const { cspSource, baseUri, nonce, section } = options;
  const csp = [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    `style-src ${cspSource} 'unsafe-inline'`,
    `script-src ${[...scriptHashes(html), `'nonce-${nonce}'`].join(' ')}`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const meta = `<meta http-equiv="Content-Security-Policy" content="${csp}">`;
  let out = CSP_META.test(html) ? html.replace(CSP_META, meta) : html.replace(/<head>/i, `<head>\n${meta}`);
  out = out.replace(/\s(src|href)="([^"]*)"/g, (whole, attr: string, url: string) =>
    isRelative(url) ? ` ${attr}="${baseUri}/${url.replace(/^\.\//, '')}"` : whole,
  );
  if (section && /^[A-Za-z][\w-]*$/.test(section)) {
    const jump = `<script nonce="${nonce}">document.getElementById(${JSON.stringify(section)})?.scrollIntoView();</script>`;
    out = out.includes('</body>') ? out.replace('</body>', `${jump}\n</body>`) : out + jump;
  }
  return out;
}
