/**
 * End-to-end: the packaged extension in a real VS Code (code-server, see workbench.ts for the
 * development install). A notebook trains a tiny run on the mmner kernel and the renderer draws
 * its views; then "mmner: Train…" runs from the command palette and is cancelled from its
 * notification. Screenshots go to test-artifacts/e2e/. Run by `npm run test:e2e`.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  acceptFocused,
  answerInput,
  notebookOutputs,
  notebookTop,
  openFile,
  openWorkbench,
  REPO,
  revealOutput,
  runCommand,
  screenshot,
  toast,
  vsixFiles,
  type Workbench,
} from './workbench.js';

/** The line of the cell below that throws, as the user typed it. */
const THROW_LINE = 3;

/**
 * The quickstart's API on the tiny sample with the tiny preset's own schedule (48 steps, about a
 * minute on 2 cores): a shorter run scores 0 F1, and its chart and error table show nothing.
 */
const CELLS = [
  "const data = await mmner.sample('data/sample', { size: 'tiny', force: true });\ndata.dir",
  "const run = await mmner.train({ data: 'data/sample', out: 'runs/notebook' });\nrun.reason",
  'mmner.view.languageScores(run)',
  'mmner.view.attention(run)',
  'mmner.view.sentences(run)',
  'mmner.view.errors(run)',
  '// a failing cell: the error must point at the line typed here\nconst answer: number = 42;\nif (answer > 0) throw new Error("e2e failure 42");',
];

function notebook(cells: string[]): string {
  return JSON.stringify({
    cells: cells.map((source) => ({
      cell_type: 'code',
      execution_count: null,
      metadata: { vscode: { languageId: 'typescript' } },
      outputs: [],
      source: source.split(/(?<=\n)/),
    })),
    metadata: {
      kernelspec: { name: 'mmner', display_name: 'mmner (TypeScript)', language: 'typescript' },
      language_info: { name: 'typescript', file_extension: '.ts' },
    },
    nbformat: 4,
    nbformat_minor: 5,
  });
}

describe('mmner in VS Code (code-server)', { timeout: 1_200_000 }, () => {
  let wb: Workbench;

  before(async () => {
    wb = await openWorkbench((workspace) => {
      writeFileSync(join(workspace, 'e2e.ipynb'), notebook(CELLS));
      copyFileSync(join(REPO, 'notebooks/quickstart.ipynb'), join(workspace, 'quickstart.ipynb'));
    });
  });

  after(async () => {
    if (wb) {
      await screenshot(wb.page, '99-last').catch(() => {});
      await wb.close();
    }
  });

  test('the VSIX holds the bundles and the runtime for this platform, no sources or tests', () => {
    const files = vsixFiles(wb.vsix);
    const platform = `${process.platform}/${process.arch}`;
    for (const f of [
      'package.json',
      'dist/extension.cjs',
      'dist/kernel.js',
      'dist/renderer.js',
      'dist/cli.js',
      'node_modules/@tensorflow/tfjs-core/package.json',
      'node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm',
      'node_modules/sharp/package.json',
      `node_modules/onnxruntime-node/bin/napi-v6/${platform}/onnxruntime_binding.node`,
    ]) {
      assert.ok(files.includes(f), `${f} missing from the VSIX`);
    }
    const leaked = files.filter(
      (f) =>
        /^(src|test|bench|scripts)\//.test(f) || /onnxruntime-node\/bin\/napi-v\d+\/(win32|darwin)\//.test(f),
    );
    assert.deepEqual(leaked, []);
    const mb = statSync(wb.vsix).size / 2 ** 20;
    assert.ok(mb < 120, `the VSIX is ${mb.toFixed(1)} MB`);
  });

  test('quickstart.ipynb opens on the mmner kernel, its saved outputs render, and it runs', async () => {
    const { page } = wb;
    await openFile(page, 'quickstart.ipynb');
    await page.locator('.notebookOverlay .code-cell-row').first().waitFor({ timeout: 60_000 });
    await page
      .locator('.notebookOverlay .kernel-action-view-item', { hasText: 'mmner' })
      .first()
      .waitFor({ timeout: 60_000 });
    const out = notebookOutputs(page);
    // Saved outputs, drawn by our renderer (not the PNG/HTML fallbacks): chart, alignment, attention.
    const chart = out.locator('.mm-chart svg').first();
    await revealOutput(page, chart);
    assert.match((await chart.textContent()) ?? '', /per language/);
    await revealOutput(page, out.locator('.mm-alignment').first());
    assert.ok((await out.locator('.mm-alignment .mm-chart canvas, .mm-alignment .mm-chart svg').count()) > 0);
    await screenshot(page, '00-quickstart-alignment');
    await revealOutput(page, out.locator('.mm-attention-live').first());
    assert.ok((await out.locator('button.mm-att-tok').count()) >= 2);
    await screenshot(page, '00-quickstart-attention');

    // Now run it: clear the saved outputs, Run All, and find every view drawn afresh.
    await runCommand(page, 'Notebook: Clear All Outputs');
    await runCommand(page, 'Notebook: Run All');
    // Both trainings write their test scores when they finish (2 × 4 epochs of the small sample).
    const scored = ['multimodal', 'text-only'].map((r) =>
      join(wb.workspace, `runs/quickstart/${r}/eval/test.json`),
    );
    const until = Date.now() + 480_000;
    while (!scored.every((f) => existsSync(f))) {
      if (Date.now() > until) throw new Error(`the quickstart's runs did not finish: ${scored.join(', ')}`);
      await new Promise((done) => setTimeout(done, 2_000));
    }
    // Run All follows the running cell down the notebook: start looking from the top.
    await notebookTop(page);
    await revealOutput(page, out.locator('.mm-chart svg').first(), 120_000);
    assert.match((await out.locator('.mm-chart svg').first().textContent()) ?? '', /per language/);
    await revealOutput(page, out.locator('.mm-alignment').first(), 120_000);
    await revealOutput(page, out.locator('.mm-attention-live').first(), 120_000);
    await revealOutput(page, out.locator('.mm-sentences figure.mm-sentence').first(), 120_000);
    assert.ok((await out.locator('.mm-sentences img.mm-thumb').count()) > 0, 'sentence images');
    await screenshot(page, '00-quickstart-sentences');
    // The last two cells: errors and misaligned pairs, both tables.
    await revealOutput(page, out.locator('.mm-table-view').nth(1), 120_000);
    assert.ok((await out.locator('.mm-table-view tbody tr').count()) > 0, 'the tables have rows');
    await screenshot(page, '00-quickstart-ran');
    await runCommand(page, 'View: Close All Editors');
    await page
      .locator('.tabs-container .tab', { hasText: 'quickstart.ipynb' })
      .waitFor({ state: 'detached', timeout: 30_000 });
  });

  test('a notebook runs on the mmner kernel and the renderer draws its views', async () => {
    const { page } = wb;
    await openFile(page, 'e2e.ipynb');
    await page.locator('.notebookOverlay .code-cell-row').first().waitFor({ timeout: 60_000 });
    // The kernel picker in the notebook toolbar names the selected controller.
    await page
      .locator('.notebookOverlay .kernel-action-view-item', { hasText: 'mmner' })
      .first()
      .waitFor({ timeout: 60_000 });
    await screenshot(page, '01-notebook-open');

    await runCommand(page, 'Notebook: Run All');
    const out = notebookOutputs(page);
    // The progress output of mmner.train ends in "done" (it stays "running" while training).
    await out.locator('.mm-progress[data-state="done"]').waitFor({ timeout: 180_000 });
    const chart = out.locator('.mm-chart svg').first();
    await chart.waitFor({ timeout: 60_000 });

    // The chart: vega's SVG with the chart's title.
    await revealOutput(page, out.locator('.mm-chart').first());
    assert.match((await chart.textContent()) ?? '', /F1 per language/);
    await screenshot(page, '03-chart');

    // Attention: hovering another token redraws the heatmap for that token.
    const tokens = out.locator('button.mm-att-tok');
    await revealOutput(page, out.locator('.mm-attention-live').first());
    assert.ok((await tokens.count()) >= 2, 'the attention view shows the sentence tokens');
    const layer = out.locator('.mm-att-layer').first();
    const shown = await layer.getAttribute('data-token');
    const other = (await tokens.nth(0).getAttribute('data-token')) === shown ? tokens.nth(1) : tokens.nth(0);
    const otherToken = await other.getAttribute('data-token');
    const heatmap = await layer.innerHTML();
    await other.hover();
    await out.locator(`.mm-att-layer[data-token="${otherToken}"]`).waitFor({ timeout: 10_000 });
    assert.notEqual(await layer.innerHTML(), heatmap, 'the heatmap changed with the hovered token');
    assert.equal(await other.getAttribute('aria-pressed'), 'true');
    await screenshot(page, '04-attention');

    // Sentences: gold and predicted spans beside the sentence's image.
    await revealOutput(page, out.locator('.mm-sentences').first());
    assert.ok((await out.locator('.mm-sentences figure.mm-sentence').count()) > 0, 'sentence cards');
    assert.ok((await out.locator('.mm-sentences img.mm-thumb').count()) > 0, 'sentence images');
    await screenshot(page, '045-sentences');

    // Errors: the table of the run's mistakes (the tiny model makes plenty).
    await revealOutput(page, out.locator('.mm-table-view').first());
    assert.ok((await out.locator('.mm-table-view tbody tr').count()) > 0, 'the error table has rows');
    await screenshot(page, '05-errors');

    // The failing cell's stack names the cell and the line as typed.
    const failure = out.getByText(new RegExp(`Cell ${CELLS.length}:${THROW_LINE}:\\d+`)).first();
    await revealOutput(page, failure);
    assert.ok(await out.getByText('e2e failure 42').first().isVisible());
    await screenshot(page, '06-cell-error');

    assert.ok(existsSync(join(wb.workspace, 'runs/notebook/config.json')), 'the notebook wrote its run');
  });

  test('"mmner: Train…" shows progress, and Cancel stops it at a checkpoint', async () => {
    const { page } = wb;
    await runCommand(page, 'mmner: Train…');
    await acceptFocused(page, 'data/sample'); // the dataset the notebook wrote
    await acceptFocused(page, 'tiny'); // preset
    await acceptFocused(page, 'none'); // ablation
    await answerInput(page, 'e2e-cancel'); // run name
    const running = toast(page, /training runs\/e2e-cancel: step [1-9]\d*\//);
    await running.waitFor({ timeout: 120_000 });
    await screenshot(page, '07-training');
    await running.getByRole('button', { name: 'Cancel' }).click();
    await toast(page, /e2e-cancel stopped; a checkpoint was saved/).waitFor({ timeout: 90_000 });
    await screenshot(page, '08-cancelled');

    const checkpoints = join(wb.workspace, 'runs/e2e-cancel/checkpoints');
    const saved = existsSync(checkpoints)
      ? readdirSync(checkpoints).filter((f) => f.endsWith('.safetensors'))
      : [];
    assert.ok(saved.length > 0, `a checkpoint in ${checkpoints}`);
  });

  test('nothing was fetched from outside the server', () => {
    assert.deepEqual(wb.foreignRequests, []);
  });
});
