/**
 * What the notebook views read from a run folder: an evaluated split, its inspection views, and
 * each sentence's image as a small PNG data URI (outputs load nothing, so images travel inline).
 */
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import sharp from 'sharp';
import { loadDataset } from '../../core/data/dataset.node.js';
import { MmnerError } from '../../core/errors.js';
import type { EvalReport } from '../../core/run/evalFile.js';
import type { InspectData } from '../../core/run/inspect.js';
import { RunDir } from '../../core/run/runDir.node.js';

/** A run as cells name it: its folder, or what `mmner.train` returned. */
export type RunRef = string | { run: string };

export function runPath(ref: RunRef): string {
  return resolve(typeof ref === 'string' ? ref : ref.run);
}

async function openRun(ref: RunRef): Promise<RunDir> {
  const path = runPath(ref);
  return RunDir.open(dirname(path), basename(path), { create: false });
}

export interface SplitFiles {
  report: EvalReport;
  inspect?: InspectData;
  /** The dataset manifest the run was trained on. */
  data?: string;
}

/** eval/<split>.json (required), its inspection views and the run's dataset path. */
export async function readSplit(ref: RunRef, split: string): Promise<SplitFiles> {
  const run = await openRun(ref);
  try {
    const report = (await run.readEval(split)) as EvalReport | undefined;
    if (!report) {
      throw new MmnerError('E_RUN_NO_EVAL', `${run.path} has no eval/${split}.json`, {
        hint: `score it first: await mmner.evaluate(${JSON.stringify(runPath(ref))}, '${split}')`,
      });
    }
    const inspect = await run.readInspect(split);
    const config = (await run.readConfig()) as { data?: string } | undefined;
    return { report, ...(inspect ? { inspect } : {}), ...(config?.data ? { data: config.data } : {}) };
  } finally {
    await run.close();
  }
}

/** The inspection views, or a clear error for a text-only run. */
export function needInspect(files: SplitFiles, what: string): InspectData {
  if (!files.inspect) {
    throw new MmnerError('E_RUN_NO_INSPECT', `${what} needs the inspection views of a multimodal run`, {
      hint: 'text-only runs have no image branch; evaluate a multimodal run (ablation none)',
    });
  }
  return files.inspect;
}

/** Thumbnail edge in pixels: enough to recognise the scene, small enough for a notebook. */
const THUMB = 128;
const thumbnails = new Map<string, Promise<string>>();

function thumbnail(file: string): Promise<string> {
  let uri = thumbnails.get(file);
  if (!uri) {
    uri = sharp(file)
      .resize(THUMB, THUMB, { fit: 'inside', withoutEnlargement: true })
      .png()
      .toBuffer()
      .then((png) => `data:image/png;base64,${png.toString('base64')}`);
    thumbnails.set(file, uri);
  }
  return uri;
}

/** Image id → file of a dataset, read once per version of its manifest (views ask again and again). */
const datasets = new Map<string, { mtimeMs: number; images: Promise<Map<string, string>> }>();

async function datasetImages(manifest: string): Promise<Map<string, string>> {
  const { mtimeMs } = await stat(manifest);
  let known = datasets.get(manifest);
  if (!known || known.mtimeMs !== mtimeMs) {
    known = { mtimeMs, images: loadDataset(manifest, { mode: 'collect' }).then((d) => d.imagePaths) };
    datasets.set(manifest, known);
  }
  return known.images;
}

/** Sentence id → image data URI, for the given sentences whose image the dataset has. */
export async function sentenceImages(
  files: SplitFiles,
  ids: readonly string[],
): Promise<Record<string, string>> {
  const wanted = files.report.sentences.filter((s) => s.image && ids.includes(s.id));
  if (!wanted.length || !files.data) return {};
  const manifest = files.data.endsWith('.json') ? files.data : join(files.data, 'dataset.json');
  if (!existsSync(manifest)) return {};
  const imagePaths = await datasetImages(manifest);
  const out: Record<string, string> = {};
  for (const s of wanted) {
    const file = imagePaths.get(s.image!);
    if (file) out[s.id] = await thumbnail(file);
  }
  return out;
}
