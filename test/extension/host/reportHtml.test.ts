import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adaptReportHtml, scriptHashes } from '../../../src/extension/host/reportHtml.js';
import { contentSecurityPolicy } from '../../../src/viz/report/build.js';

/** The parts of a report page that matter here, with the report's real policy. */
const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy()}">
<link rel="icon" href="data:,">
</head>
<body>
<nav><a href="#errors">Errors</a></nav>
<figure><img src="charts/f1.svg" alt="F1"><a href="charts/f1.png">PNG</a></figure>
<img src="./images/0001.png" alt=""><img src="data:image/png;base64,AAAA" alt="">
<a href="https://example.org/x">x</a>
<section id="errors"></section>
<script>(() => {})()</script>
</body>
</html>
`;
const options = {
  cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
  baseUri: 'https://file+.vscode-resource.vscode-cdn.net/ws/runs/tiny/report',
  nonce: 'abc123',
};

test("the report's script hash survives; the policy allows the webview's resources", () => {
  const hashes = scriptHashes(page);
  assert.equal(hashes.length, 1);
  assert.match(hashes[0]!, /^'sha256-[A-Za-z0-9+/]+=*'$/);
  const out = adaptReportHtml(page, options);
  const csp = /content="([^"]*)"/.exec(out)?.[1] ?? '';
  assert.equal(out.match(/Content-Security-Policy/g)?.length, 1, 'one policy, replaced in place');
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, new RegExp(`img-src ${options.cspSource.replace(/[.+]/g, '\\$&')} data:`));
  assert.ok(csp.includes(`script-src ${hashes[0]} 'nonce-abc123'`));
  assert.doesNotMatch(csp, /'self'/);
});

test('relative sources become webview URIs; anchors, data: and absolute URLs stay', () => {
  const out = adaptReportHtml(page, options);
  assert.ok(out.includes(`<img src="${options.baseUri}/charts/f1.svg"`));
  assert.ok(out.includes(`<a href="${options.baseUri}/charts/f1.png"`));
  assert.ok(out.includes(`<img src="${options.baseUri}/images/0001.png"`));
  assert.ok(out.includes('href="#errors"'));
  assert.ok(out.includes('src="data:image/png;base64,AAAA"'));
  assert.ok(out.includes('href="data:,"'));
  assert.ok(out.includes('href="https://example.org/x"'));
});

test('a section jump is a nonce script; an odd section name is ignored', () => {
  const jump = adaptReportHtml(page, { ...options, section: 'errors' });
  assert.match(
    jump,
    /<script nonce="abc123">document\.getElementById\("errors"\)\?\.scrollIntoView\(\);<\/script>\n<\/body>/,
  );
  const odd = adaptReportHtml(page, { ...options, section: '"><img src=x>' });
  assert.doesNotMatch(odd, /nonce="abc123">/);
  assert.doesNotMatch(adaptReportHtml(page, options), /nonce="abc123">/);
});
