/**
 * A webview that shows a run's static report (runs/NAME/report/index.html), optionally scrolled
 * to one section (#errors, #alignment). One panel, reused; it may load files of that report
 * folder only.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import * as vscode from 'vscode';
import { adaptReportHtml } from './reportHtml.js';

let panel: vscode.WebviewPanel | undefined;

export async function showReport(indexHtml: string, title: string, section?: string): Promise<void> {
  const folder = vscode.Uri.file(dirname(indexHtml));
  const html = await readFile(indexHtml, 'utf8');
  if (!panel) {
    panel = vscode.window.createWebviewPanel('mmner.report', title, vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [folder],
      retainContextWhenHidden: true,
    });
    panel.onDidDispose(() => {
      panel = undefined;
    });
  } else {
    panel.webview.options = { enableScripts: true, localResourceRoots: [folder] };
    panel.reveal(vscode.ViewColumn.Active);
  }
  panel.title = title;
  const webview = panel.webview;
  webview.html = adaptReportHtml(html, {
    cspSource: webview.cspSource,
    baseUri: webview.asWebviewUri(folder).toString(),
    nonce: randomBytes(16).toString('base64url'),
    ...(section ? { section } : {}),
  });
}

export function disposeReportPanel(): void {
  panel?.dispose();
}

/** `mmner report: tiny` from `…/runs/tiny/report/index.html`. */
export function reportTitle(runPath: string, section?: string): string {
  return `mmner ${section ?? 'report'}: ${basename(runPath)}`;
}
