/**
 * `mmner report`'s work: read a run's eval/<split>.json, its inspection views and training
 * events (and a text-only run's eval to compare with), run the analyses, resolve each sentence's
 * image through the run's dataset, and write the static report with viz.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { loadDataset } from '../core/data/dataset.node.js';
import { MmnerError } from '../core/errors.js';
import type { EvalReport } from '../core/run/evalFile.js';
import { RunDir } from '../core/run/runDir.node.js';
import type { AlignmentOptions } from '../eval/alignment.js';
import { analyzeRun } from '../eval/analyze.js';
import type { ReportModel } from '../viz/report/model.js';
import { type WrittenReport, writeReport } from '../viz/report/write.node.js';

export interface ReportRunOptions {
  split?: string;
  /** A text-only run (same dataset and split) to compare with. */
  compare?: string;
  /** Default `<run>/report`. */
  out?: string;
  /** Another dataset to find the images in (default the run's own). */
  data?: string;
  projection?: AlignmentOptions['projection'];
  log?: (line: string) => void;
}

async function openRunFolder(path: string): Promise<RunDir> {
  const abs = resolve(path);
  return RunDir.open(dirname(abs), basename(abs), { create: false });
}

async function readSplitEval(run: RunDir, split: string): Promise<EvalReport> {
  const report = (await run.readEval(split)) as EvalReport | undefined;
  if (!report) {
    throw new MmnerError('E_RUN_NO_EVAL', `${run.path} has no eval/${split}.json`, {
      hint: `score it first: mmner eval --run ${run.path} --split ${split}`,
    });
  }
  return report;
}

/** Sentence id → image file, through the dataset the run was trained on (or `data`). */
async function sentenceImages(
  report: EvalReport,
  manifest: string | undefined,
  log: (line: string) => void,
): Promise<Record<string, string>> {
  if (!report.sentences.some((s) => s.image)) return {};
  if (!manifest || !existsSync(manifest)) {
    log(`images: the dataset ${manifest ?? '(none)'} is not there; the report shows no images (pass --data)`);
    return {};
  }
  const path = manifest.endsWith('.json') ? manifest : join(manifest, 'dataset.json');
  const data = await loadDataset(path, { mode: 'collect' });
  const images: Record<string, string> = {};
  for (const s of report.sentences) {
    const file = s.image ? data.imagePaths.get(s.image) : undefined;
    if (file) images[s.id] = file;
  }
  return images;
}

export async function reportRun(runPath: string, options: ReportRunOptions = {}): Promise<WrittenReport> {
  const log = options.log ?? (() => {});
  const split = options.split ?? 'test';
  const run = await openRunFolder(runPath);
  try {
    const report = await readSplitEval(run, split);
    const inspect = await run.readInspect(split);
    const events = (await run.readEvents()).events;
    const config = (await run.readConfig()) as { data?: string } | undefined;
    let compare: ReportModel['compare'];
    if (options.compare) {
      const other = await openRunFolder(options.compare);
      try {
        compare = { name: basename(other.path), eval: await readSplitEval(other, split) };
      } finally {
        await other.close();
      }
    }
    const started = performance.now();
    const analyses = analyzeRun(report, {
      ...(inspect ? { inspect } : {}),
      ...(compare ? { textOnly: compare.eval } : {}),
      alignment: { projection: options.projection ?? 'pca' },
    });
    log(`analyses: ${((performance.now() - started) / 1000).toFixed(1)} s`);
    if (!inspect)
      log(
        'no inspection views (a text-only run, or evaluated before they existed): no alignment or attention',
      );
    const model: ReportModel = {
      runName: basename(run.path),
      eval: report,
      events,
      analyses,
      images: await sentenceImages(report, options.data ?? config?.data, log),
      generatedAt: new Date().toISOString(),
      ...(compare ? { compare } : {}),
    };
    return await writeReport(model, options.out ?? run.file('report'));
  } finally {
    await run.close();
  }
}
