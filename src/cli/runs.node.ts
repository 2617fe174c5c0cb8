/**
 * Runs from files to files, the jobs behind `mmner train|eval|predict` (and later the extension's
 * job processes): load the dataset, build (or rebuild) the model, preload images, train with
 * dev-set selection, score the best checkpoint and write `eval/<split>.json`. It ties train/ and
 * eval/ together, which only cli/ (and extension/) may import both of.
 */
import { basename, dirname, resolve } from 'node:path';
import { findManifest, type LoadedDataset, loadDataset } from '../core/data/dataset.node.js';
import { MmnerError } from '../core/errors.js';
import { DEFAULT_PREPROCESS, imageLength, normalizeInto } from '../core/image/options.js';
import { decodeImage, ImageCache, loadImages } from '../core/image/preprocess.node.js';
import type { InspectData } from '../core/run/inspect.js';
import type { InspectSpill } from '../core/run/inspectSpill.node.js';
import { RunDir } from '../core/run/runDir.node.js';
import type { Sentence } from '../core/types.js';
import { ENTITY_TYPES } from '../core/types.js';
import {
  canInspect,
  type EvalReport,
  inspectLayout,
  predictAll,
  predictInspect,
  scoreReport,
} from '../eval/evaluate.js';
import { makeBatch } from '../model/batch.js';
import { buildModel } from '../model/build.js';
import {
  type Ablation,
  type Preset,
  presetConfig,
  type RunConfig,
  withoutOnnxBranches,
} from '../model/config.js';
import { applyOverrides } from '../model/configOverride.js';
import type { MmnerModel, ModelBatch } from '../model/mmner.js';
import { fitToPretrained, loadPretrained } from '../model/pretrained.node.js';
import { TextVocab, type TextVocabJSON } from '../model/text/vocab.js';
import type { OnnxProviderChoice } from '../onnx/session.js';
import { type BackendName, checkBackendErrors, initBackend } from '../train/backends.js';
import { type Checkpoint, restoreCheckpoint } from '../train/checkpoint.js';
import { BEST_CHECKPOINT, latestValidCheckpoint, readCheckpoint } from '../train/checkpoint.node.js';
import type { Observer } from '../train/events.js';
import { type TrainResult, trainLoop } from '../train/loop.js';
import { mentionReplacer } from '../train/mentionReplace.js';
import { AdamW, NO_DECAY_PATTERN } from '../train/optimizer.js';
import { BatchSampler } from '../train/sampler.js';
import { makeSchedule } from '../train/schedule.js';
import { defaultFeatureCacheDir, ImageFeatureSource, openRunFeatures } from './imageFeatures.node.js';

/** What `config.json` of a run holds. */
export interface RunFile extends RunConfig {
  version: 1;
  /** Absolute path of the dataset manifest. */
  data: string;
  /** `--limit`: sentences used per split (a resumed run must see the same ones). */
  limit?: number;
  vocab: TextVocabJSON;
}

/** config.json, checked enough that a damaged or foreign file fails here, naming itself. */
export async function readRunFile(run: RunDir): Promise<RunFile> {
  const value = (await run.readConfig()) as Partial<RunFile> | null | undefined;
  const file = run.file('config.json');
  const isObject = (x: unknown) => typeof x === 'object' && x !== null && !Array.isArray(x);
  const problem = !isObject(value)
    ? 'is not a JSON object'
    : value!.version !== 1
      ? `has version ${JSON.stringify(value!.version)}, this mmner reads version 1`
      : !isObject(value!.model) || !isObject(value!.train) || !isObject(value!.vocab)
        ? 'lacks its model, train or vocab section'
        : typeof value!.data !== 'string'
          ? 'lacks the dataset path (data)'
          : undefined;
  if (problem) {
    throw new MmnerError('E_RUN_CONFIG', `the run's config ${problem}`, {
      file,
      hint: 'config.json is written by mmner train; restore it, or train the run again',
    });
  }
  return value as RunFile;
}

export interface TrainRunOptions {
  /** A dataset manifest or a folder holding `dataset.json`. */
  data: string;
  /** The run folder, e.g. `runs/tiny`. */
  out: string;
  preset?: Preset;
  ablation?: Ablation;
  seed?: number;
  backend?: BackendName | 'auto';
  /** Overrides of the preset's training settings. */
  epochs?: number;
  batchSize?: number;
  lr?: number;
  /** Evaluations without a better dev F1 before stopping (0 = never). */
  patience?: number;
  /** Also checkpoint every N optimizer steps (0 = only at evaluations and the end). */
  checkpointEvery?: number;
  /** Decay of the weights' moving average used for dev, the best checkpoint and inference (0 = none). */
  ema?: number;
  /**
   * Split each batch into N micro-batches with gradient accumulation (less peak memory, one
   * optimizer step per batch); at most the batch size. Saved in config.json (1 = no split).
   */
  microBatches?: number;
  /** `PATH=VALUE` overrides of config fields (src/model/configOverride.ts), applied last. */
  set?: string[];
  /** Use at most this many sentences of each split (quick runs, tests). */
  limit?: number;
  /** Local Hugging Face folders of the pretrained encoders (preset `paper`). */
  textModel?: string;
  vit?: string;
  resnet?: string;
  /** Frozen ONNX exports for the vit/resnet branches (features precomputed through the cache). */
  vitOnnx?: string;
  resnetOnnx?: string;
  /** What the ONNX branches keep per image: `pooled` (default, one region) or `regions`. */
  onnxFeatures?: 'pooled' | 'regions';
  /** Feature cache folder (default: `.mmner-cache/features` beside the runs folder). */
  featureCache?: string;
  onnxProvider?: OnnxProviderChoice;
  resume?: boolean;
  signal?: AbortSignal;
  onEvent?: Observer;
  log?: (line: string) => void;
}

export interface TrainRunResult {
  runPath: string;
  backend: string;
  result: TrainResult;
  dev?: EvalReport;
  test?: EvalReport;
}

/** Entity types in the canonical order (PER, LOC, ORG, MISC), then any others alphabetically. */
function entityTypesOf(sentences: readonly Sentence[]): string[] {
  const seen = new Set<string>();
  for (const s of sentences) for (const t of s.tags) if (t !== 'O') seen.add(t.slice(2));
  const known = ENTITY_TYPES.filter((t) => seen.has(t));
  return [...known, ...[...seen].filter((t) => !(ENTITY_TYPES as readonly string[]).includes(t)).sort()];
}

/** Where a scoring pass gets each batch's normalised images `[B, size, size, 3]`. */
export interface BatchImages {
  batch(sentences: readonly Sentence[]): Float32Array | Promise<Float32Array>;
  /** The batch's precomputed features per image branch, when some branch reads them (ImageFeatureSource). */
  features?(sentences: readonly Sentence[]): (Float32Array | undefined)[];
}

/**
 * Images decoded batch by batch and dropped after it (evaluation): memory holds one batch of
 * pixels, not the split's, so scoring a split ten times larger does not take ten times the
 * memory. The pixels are those ImageTable holds, so the scores are the same.
 */
export class StreamedImages implements BatchImages {
  constructor(
    private readonly data: LoadedDataset,
    readonly size: number,
  ) {}

  batch(sentences: readonly Sentence[]): Promise<Float32Array> {
    // A cache per batch: an image shared by sentences of the batch is decoded once, and nothing
    // outlives the batch.
    return loadImages(
      sentences.map((s) => (s.image ? this.data.imagePaths.get(s.image) : undefined)),
      { size: this.size },
      4,
      new ImageCache(),
    );
  }
}

/** Decoded 8-bit images by sentence, normalised into a batch on demand (training batches are built synchronously). */
export class ImageTable implements BatchImages {
  private readonly pixels = new Map<string, Uint8Array>();
  constructor(readonly size: number) {}

  static async load(data: LoadedDataset, sentences: readonly Sentence[], size: number): Promise<ImageTable> {
    const table = new ImageTable(size);
    const ids = [...new Set(sentences.flatMap((s) => (s.image ? [s.image] : [])))];
    let next = 0;
    const worker = async () => {
      while (next < ids.length) {
        const id = ids[next++]!;
        const path = data.imagePaths.get(id);
        if (path) table.pixels.set(id, await decodeImage(path, { size }));
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    return table;
  }

  /** `[B, size, size, 3]` normalised; sentences without a found image get the blank (mean-colour) image. */
  batch(sentences: readonly Sentence[]): Float32Array {
    const one = imageLength(this.size);
    const out = new Float32Array(sentences.length * one);
    sentences.forEach((s, i) => {
      const rgb = s.image ? this.pixels.get(s.image) : undefined;
      if (rgb) normalizeInto(rgb, DEFAULT_PREPROCESS.mean, DEFAULT_PREPROCESS.std, out, i * one);
    });
    return out;
  }

  get count(): number {
    return this.pixels.size;
  }
}

async function openDataset(path: string, hint: string, splits?: readonly string[]): Promise<LoadedDataset> {
  const manifest = await findManifest(path);
  if (!manifest) {
    throw new MmnerError(
      'E_DATA_NO_MANIFEST',
      `${path} is not a dataset manifest or a folder holding dataset.json`,
      {
        hint,
      },
    );
  }
  return loadDataset(manifest, splits ? { splits } : {});
}

/** At most `limit` sentences, taken round-robin over languages so a quick run still sees all of them. */
function firstPerLanguage(sentences: readonly Sentence[], limit: number): Sentence[] {
  const queues = new Map<string, Sentence[]>();
  for (const s of sentences) {
    const q = queues.get(s.lang);
    if (q) q.push(s);
    else queues.set(s.lang, [s]);
  }
  const out: Sentence[] = [];
  for (let i = 0; out.length < Math.min(limit, sentences.length); i++) {
    for (const q of queues.values()) if (i < q.length && out.length < limit) out.push(q[i]!);
  }
  return out;
}

/** The dataset for training: train and dev splits required, optionally cut to `limit` sentences per split. */
async function openTrainingData(path: string, limit?: number): Promise<LoadedDataset> {
  const data = await openDataset(
    path,
    'write one with `mmner data sample --out DIR`, or see docs/data.md for the manifest format',
  );
  for (const split of ['train', 'dev']) {
    if (!data.splits[split]?.length) {
      throw new MmnerError('E_DATA_SPLIT', `the dataset has no '${split}' split (or it is empty)`, {
        file: data.manifestPath,
        hint: 'training needs train and dev splits (dev selects the best checkpoint; test is only scored)',
      });
    }
  }
  if (limit)
    for (const k of Object.keys(data.splits)) data.splits[k] = firstPerLanguage(data.splits[k]!, limit);
  return data;
}

/** Scores a model on sentences, with images from the table. */
export async function scoreSplit(
  model: MmnerModel,
  split: string,
  sentences: readonly Sentence[],
  images: BatchImages | undefined,
  subsets: Record<string, readonly string[]>,
): Promise<EvalReport> {
  return (await scoreAndInspect(model, split, sentences, images, subsets)).report;
}

/** Scores a split; with `spill`, the inspection views of the same pass go to it batch by batch. */
async function scoreAndInspect(
  model: MmnerModel,
  split: string,
  sentences: readonly Sentence[],
  images: BatchImages | undefined,
  subsets: Record<string, readonly string[]>,
  spill?: InspectSpill,
): Promise<{ report: EvalReport }> {
  const { predictions } = await predictInspect(model, sentences, {
    batchSize: 64,
    loadImages: async (part) => (await images?.batch(part)) ?? new Float32Array(0),
    ...(images?.features ? { loadFeatures: (part: readonly Sentence[]) => images.features!(part) } : {}),
    ...(spill ? { inspect: split, onInspect: (part: InspectData) => spill.add(part) } : {}),
  });
  return { report: scoreReport(split, sentences, predictions, subsets) };
}

/** Scores a split and writes `eval/<split>.json` (and `.inspect.bin` for multimodal models). */
async function writeSplitEval(
  run: RunDir,
  model: MmnerModel,
  split: string,
  sentences: readonly Sentence[],
  images: BatchImages | undefined,
  subsets: Record<string, readonly string[]>,
): Promise<EvalReport> {
  // The views are written as they come (memory holds a batch of them), and committed before
  // the report, so a reader never pairs a new report with old views.
  const spill = canInspect(model) ? await run.inspectSpill(split, inspectLayout(model)) : undefined;
  let report: EvalReport;
  try {
    ({ report } = await scoreAndInspect(model, split, sentences, images, subsets, spill));
    checkBackendErrors();
    await spill?.commit();
  } finally {
    await spill?.abort();
  }
  await run.writeEval(split, report);
  return report;
}

/** Variables of the pretrained encoders (BERT, ViT) train at `encoderLr`; norms and biases never decay. */
function optimizerGroups(encoderScale: number) {
  const encoder = '^(text|image\\.(vit|resnet))\\.';
  const groups = [{ name: 'noDecay', pattern: NO_DECAY_PATTERN, weightDecay: 0 }];
  if (encoderScale === 1) return groups;
  return [
    {
      name: 'encoderNoDecay',
      pattern: `${encoder}(?=.*(${NO_DECAY_PATTERN}))`,
      weightDecay: 0,
      lrScale: encoderScale,
    },
    { name: 'encoder', pattern: encoder, lrScale: encoderScale },
    ...groups,
  ];
}

export async function trainRun(options: TrainRunOptions): Promise<TrainRunResult> {
  const log = options.log ?? (() => {});
  const backend = await initBackend(options.backend ?? 'wasm');
  log(`backend: ${backend.name} (${backend.note})`);
  const run = await RunDir.open(dirname(resolve(options.out)), basename(resolve(options.out)));

  let file: RunFile;
  let resumeFrom: Awaited<ReturnType<typeof latestValidCheckpoint>>;
  if (options.resume) {
    file = await readRunFile(run);
    resumeFrom = await latestValidCheckpoint(run.checkpointsDir, log);
    if (!resumeFrom) {
      throw new MmnerError('E_RESUME', `no checkpoint to resume from in ${run.path}`, {
        hint: 'start the run without --resume',
      });
    }
    log(`resuming from ${run.relative(resumeFrom.path)}`);
  }
  const data = options.resume
    ? await openTrainingData(file!.data, file!.limit)
    : await openTrainingData(options.data, options.limit);
  const train = data.splits.train!;
  const dev = data.splits.dev!;
  if (!options.resume) {
    let config = presetConfig(options.preset ?? 'tiny', entityTypesOf(train), {
      seed: options.seed ?? 1,
      ablation: options.ablation ?? 'none',
      onnx: Object.fromEntries(
        Object.entries({ vit: options.vitOnnx, resnet: options.resnetOnnx }).flatMap(([b, path]) =>
          path ? [[b, { path: resolve(path), features: options.onnxFeatures ?? 'pooled' }]] : [],
        ),
      ),
    });
    if (options.epochs !== undefined) config.train.epochs = options.epochs;
    if (options.batchSize !== undefined) config.train.batchSize = options.batchSize;
    if (options.lr !== undefined) config.train.lr = options.lr;
    if (options.textModel && config.model.text.kind === 'bert')
      config.model.text.path = resolve(options.textModel);
    if (options.vit) config.model.image.paths.vit = resolve(options.vit);
    if (options.resnet) config.model.image.paths.resnet = resolve(options.resnet);
    if (options.patience !== undefined) config.train.patience = options.patience;
    if (options.checkpointEvery !== undefined) config.train.checkpointEvery = options.checkpointEvery;
    if (options.ema !== undefined) config.train.ema = options.ema;
    // `--set` last among the settings, so that what follows checks the config as it will run.
    if (options.set?.length) config = applyOverrides(config, options.set);
    await fitToPretrained(config.model);
    if (options.microBatches !== undefined) {
      if (!(Number.isInteger(options.microBatches) && options.microBatches >= 1)) {
        throw new MmnerError(
          'E_USAGE',
          `micro-batches must be a positive integer, got ${options.microBatches}`,
        );
      }
      if (options.microBatches > config.train.batchSize) {
        throw new MmnerError(
          'E_USAGE',
          `${options.microBatches} micro-batches is more than the batch size (${config.train.batchSize})`,
          { hint: 'use at most as many micro-batches as sentences per batch, or raise --batch-size' },
        );
      }
      if (options.microBatches > 1) config.train.microBatches = options.microBatches;
    }
    file = {
      version: 1,
      ...config,
      data: data.manifestPath,
      ...(options.limit ? { limit: options.limit } : {}),
      vocab: TextVocab.build(train).toJSON(),
    };
  }
  const cfg = file!;
  // Opened once per job; a new run's feature sizes are settled here, before config.json is written.
  const features = await ImageFeatureSource.open(cfg.model, {
    cacheDir: options.featureCache ? resolve(options.featureCache) : defaultFeatureCacheDir(run.path),
    ...(options.onnxProvider ? { provider: options.onnxProvider } : {}),
    settle: !options.resume,
    log,
  });
  // Built before config.json is written, so a config that cannot be built leaves no half run.
  const model = buildModel(cfg.model, {
    vocab: TextVocab.fromJSON(cfg.vocab),
    pretrained: await loadPretrained(withoutOnnxBranches(cfg.model)),
  });
  // Built before config.json is written, so a bad probability leaves no half run.
  const sentencesOf = mentionReplacer(train, cfg.train.mentionReplace ?? 0, cfg.train.seed);
  if (!options.resume) await run.writeConfig(cfg);
  const imagePath = (s: Sentence) => (s.image ? data.imagePaths.get(s.image) : undefined);
  await features?.fill([...train, ...dev, ...(data.splits.test ?? [])], imagePath);
  const needsImages = model.needsPixels;
  const pixels = needsImages
    ? await ImageTable.load(data, [...train, ...dev, ...(data.splits.test ?? [])], cfg.model.image.size)
    : undefined;
  if (pixels) log(`images: ${pixels.count} decoded at ${cfg.model.image.size}×${cfg.model.image.size}`);
  const images = features ? features.scoring(pixels, imagePath) : pixels;

  const t = cfg.train;
  const sampler = new BatchSampler(
    train.map((s) => s.lang),
    { batchSize: t.batchSize, seed: t.seed },
  );
  const steps = t.epochs * sampler.batchesPerEpoch;
  const optimizer = new AdamW({
    weightDecay: t.weightDecay,
    groups: optimizerGroups(t.encoderLr / t.lr),
  });
  const toBatch = (indices: number[]): ModelBatch => {
    const part = sentencesOf(indices);
    const batch = makeBatch(model, part, pixels?.batch(part));
    if (features) batch.imageFeatures = features.batch(part, imagePath);
    return batch;
  };
  try {
    const result = await trainLoop({
      model,
      sampler,
      makeBatch: toBatch,
      optimizer,
      schedule: makeSchedule({ kind: 'linear', lr: t.lr, warmupSteps: Math.round(t.warmup * steps) }, steps),
      clipNorm: t.clipNorm > 0 ? t.clipNorm : Number.POSITIVE_INFINITY,
      steps,
      evalEvery: 'epoch',
      evaluate: async () => {
        const r = await scoreSplit(model, 'dev', dev, images, {});
        const perLanguage = Object.fromEntries(
          Object.entries(r.metrics.conlleval.byLanguage).map(([lang, s]) => [lang, s.overall.f1]),
        );
        return { f1: r.metrics.conlleval.overall.overall.f1, perLanguage };
      },
      ...(t.patience > 0 ? { earlyStopPatience: t.patience } : {}),
      ...(t.checkpointEvery > 0 ? { checkpointEvery: t.checkpointEvery } : {}),
      ...(t.ema ? { averageDecay: t.ema } : {}),
      ...(t.microBatches && t.microBatches > 1 ? { microBatches: t.microBatches } : {}),
      keepCheckpoints: t.keepCheckpoints,
      runDir: run,
      ...(options.signal ? { signal: options.signal } : {}),
      // (The loop itself appends every event to the run's events.jsonl.)
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
      ...(resumeFrom ? { resumeFrom } : {}),
      extra: { preset: cfg.model.preset, ablation: cfg.model.ablation },
    });
    const out: TrainRunResult = { runPath: run.path, backend: backend.name, result };
    if (result.reason !== 'interrupted') {
      // Score the checkpoint that dev selected, never the last one by default.
      if (result.bestCheckpoint)
        restoreCheckpoint(await readCheckpoint(result.bestCheckpoint), model.namedVariables());
      out.dev = await writeSplitEval(run, model, 'dev', dev, images, data.subsets);
      const test = data.splits.test;
      if (test?.length) out.test = await writeSplitEval(run, model, 'test', test, images, data.subsets);
    }
    return out;
  } finally {
    optimizer.dispose();
    model.dispose();
    await features?.close();
    await run.close();
  }
}

export interface OpenedRun {
  run: RunDir;
  file: RunFile;
  model: MmnerModel;
  data: LoadedDataset;
  /** The checkpoint whose weights the model holds. */
  checkpoint: string;
}

/** Rebuilds a run's model from config.json with its best-on-dev checkpoint (or the latest valid one). */
export async function openRun(
  runPath: string,
  options: { data?: string; log?: (line: string) => void; splits?: readonly string[] } = {},
): Promise<OpenedRun> {
  const opened = await openRunModel(runPath, options.log);
  const data = await openDataset(
    options.data ?? opened.file.data,
    'pass the dataset with --data',
    options.splits,
  );
  return { ...opened, data };
}

/** The run's best-on-dev checkpoint, else (with a note) its latest valid one. */
export async function selectedCheckpoint(
  run: RunDir,
  log?: (line: string) => void,
): Promise<{ path: string; checkpoint: Checkpoint }> {
  const best = resolve(run.checkpointsDir, BEST_CHECKPOINT);
  const checkpoint = await readCheckpoint(best).catch(() => undefined);
  if (checkpoint) return { path: best, checkpoint };
  const latest = await latestValidCheckpoint(run.checkpointsDir, log);
  if (!latest) {
    throw new MmnerError('E_RUN_NO_CHECKPOINT', `${run.path} has no checkpoint yet`, {
      hint: 'train it first (mmner train), or resume it with --resume',
    });
  }
  log?.(`no best checkpoint; using ${run.relative(latest.path)}`);
  return { path: latest.path, checkpoint: latest.checkpoint };
}

/** The run's model with its selected checkpoint's weights, without its dataset. */
async function openRunModel(runPath: string, log?: (line: string) => void): Promise<Omit<OpenedRun, 'data'>> {
  const run = await RunDir.open(dirname(resolve(runPath)), basename(resolve(runPath)), { create: false });
  const file = await readRunFile(run);
  const { path, checkpoint } = await selectedCheckpoint(run, log);
  const model = buildModel(file.model, {
    vocab: TextVocab.fromJSON(file.vocab),
    pretrained: await loadPretrained(withoutOnnxBranches(file.model)),
  });
  restoreCheckpoint(checkpoint, model.namedVariables(), undefined, path);
  return { run, file, model, checkpoint: run.relative(path) };
}

/** Scores a run's selected checkpoint on one split and writes `eval/<split>.json`. */
export async function evalRun(
  runPath: string,
  split: string,
  options: {
    data?: string;
    backend?: BackendName | 'auto';
    log?: (line: string) => void;
  } & FeatureOptions = {},
): Promise<{ report: EvalReport; opened: Omit<OpenedRun, 'model'> }> {
  await initBackend(options.backend ?? 'wasm');
  // Only the scored split is read, and its images are decoded batch by batch (StreamedImages).
  const opened = await openRun(runPath, { ...options, splits: [split] });
  const { model, data, run } = opened;
  let features: ImageFeatureSource | undefined;
  try {
    const sentences = data.splits[split];
    if (!sentences) {
      throw new MmnerError('E_DATA_SPLIT', `the dataset has no split '${split}'`, {
        file: data.manifestPath,
        hint: `its splits: ${Object.keys(data.manifest.splits).join(', ')}`,
      });
    }
    const pixels = model.needsPixels ? new StreamedImages(data, opened.file.model.image.size) : undefined;
    features = await openRunFeatures(opened.file.model, run.path, options);
    const imagePath = (s: Sentence) => (s.image ? data.imagePaths.get(s.image) : undefined);
    await features?.fill(sentences, imagePath);
    const images = features ? features.scoring(pixels, imagePath) : pixels;
    const report = await writeSplitEval(run, model, split, sentences, images, data.subsets);
    return { report, opened };
  } finally {
    model.dispose();
    await features?.close();
    await run.close();
  }
}

/** Where eval and predict find the features of a run's ONNX-fed branches. */
export interface FeatureOptions {
  /** Feature cache folder (default: `.mmner-cache/features` beside the runs folder). */
  featureCache?: string;
  onnxProvider?: OnnxProviderChoice;
}

/** One input sentence of `mmner predict`. */
export interface PredictInput {
  id: string;
  tokens: string[];
  /** An image file, already resolved (absolute or relative to the working folder). */
  imagePath?: string;
}

/** Tags for new sentences with the run's selected checkpoint; images decoded as in training. */
export async function predictRun(
  runPath: string,
  inputs: readonly PredictInput[],
  options: { backend?: BackendName | 'auto'; log?: (line: string) => void } & FeatureOptions = {},
): Promise<string[][]> {
  await initBackend(options.backend ?? 'wasm');
  const { run, file, model } = await openRunModel(runPath, options.log);
  let features: ImageFeatureSource | undefined;
  try {
    const sentences: Sentence[] = inputs.map((s) => ({
      id: s.id,
      lang: '',
      tokens: s.tokens,
      tags: s.tokens.map(() => 'O'),
      ...(s.imagePath ? { image: s.imagePath } : {}),
    }));
    const size = file.model.image.size;
    features = await openRunFeatures(file.model, run.path, options);
    const imagePath = (s: Sentence) => s.image;
    await features?.fill(sentences, imagePath);
    const tags = await predictAll(model, sentences, {
      batchSize: 64,
      ...(features ? { loadFeatures: (part: readonly Sentence[]) => features!.batch(part, imagePath) } : {}),
      loadImages: async (part) =>
        model.needsPixels
          ? loadImages(
              part.map((s) => s.image),
              { size },
            )
          : new Float32Array(0),
    });
    checkBackendErrors();
    return tags;
  } finally {
    model.dispose();
    await features?.close();
    await run.close();
  }
}
