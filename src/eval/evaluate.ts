/**
 * Evaluation of a model on one split: predictions for every sentence, then conlleval-exact and
 * strict scores overall, per language, per type and on each named subset (e.g. `ambiguous`).
 * The result is what `runs/<name>/eval/<split>.json` holds; images come from an injected loader,
 * so this layer stays free of file access.
 */
import { scoreByLanguage, scoreSentences } from '../core/metrics/index.js';
import type { EvalReport, EvalSentence, SubsetScore } from '../core/run/evalFile.js';
import type { InspectData } from '../core/run/inspect.js';
import type { Sentence } from '../core/types.js';
import { chunks, makeBatch } from '../model/batch.js';
import type { MmnerModel } from '../model/mmner.js';
import { InspectCollector, MAX_REGION_VALUES, regionGridOf } from './inspect.js';

export type { EvalReport, EvalSentence, SubsetScore } from '../core/run/evalFile.js';

export interface EvaluateOptions {
  split: string;
  batchSize?: number;
  /** Loads the images of a batch (`[B, size, size, 3]`); required for models with image branches. */
  loadImages?: (sentences: readonly Sentence[]) => Promise<Float32Array>;
  /** A batch's precomputed features per image branch (`ModelBatch.imageFeatures`), for branches fed by a frozen export. */
  loadFeatures?: (sentences: readonly Sentence[]) => (Float32Array | undefined)[];
  /** Subset name → sentence ids. */
  subsets?: Record<string, readonly string[]>;
  onProgress?: (done: number, total: number) => void;
}

export async function predictAll(
  model: MmnerModel,
  sentences: readonly Sentence[],
  options: Pick<EvaluateOptions, 'batchSize' | 'loadImages' | 'loadFeatures' | 'onProgress'>,
): Promise<string[][]> {
  return (await predictInspect(model, sentences, options)).predictions;
}

/** Whether the model has the views `inspect` collects (image branches and a shared space). */
export function canInspect(model: MmnerModel): boolean {
  return model.hasImages && model.config.contrastive !== null;
}

/** The image branches and their region grids, as the inspection file records them. */
export function inspectLayout(model: MmnerModel): Pick<InspectData, 'branches' | 'regionGrid'> {
  return { branches: model.config.image.branches, regionGrid: model.parts.images.map(regionGridOf) };
}

/**
 * Predictions, and with `inspect: split` the inspection views of the same pass (multimodal models
 * with a contrastive projection only; `inspect` is undefined otherwise). With `onInspect` too,
 * the views go to it batch by batch (each batch's own views, token offsets from 0) and are not
 * kept: memory holds one batch of them, whatever the split's size.
 */
export async function predictInspect(
  model: MmnerModel,
  sentences: readonly Sentence[],
  options: Pick<EvaluateOptions, 'batchSize' | 'loadImages' | 'loadFeatures' | 'onProgress'> & {
    inspect?: string;
    onInspect?: (part: InspectData) => Promise<void>;
  },
): Promise<{ predictions: string[][]; inspect?: InspectData }> {
  const views = options.inspect !== undefined && canInspect(model);
  // Decided for the whole split, so a batch-by-batch file matches the one-piece one.
  const keepRegions =
    sentences.length *
      model.parts.images.reduce((n, e) => n + e.numRegions, 0) *
      (model.config.contrastive?.projectionDim ?? 0) <=
    MAX_REGION_VALUES;
  const newCollector = () => {
    const { branches, regionGrid } = inspectLayout(model);
    return new InspectCollector(options.inspect!, branches, regionGrid, keepRegions);
  };
  const collector = views && !options.onInspect ? newCollector() : undefined;
  const predictions: string[][] = [];
  const parts = chunks(sentences, options.batchSize ?? 64);
  const load = (i: number) =>
    model.hasImages && i < parts.length ? options.loadImages?.(parts[i]!) : undefined;
  // The next batch's images load while this one runs: at most two batches of pixels are held.
  let pending = load(0);
  for (const [i, part] of parts.entries()) {
    const images = await pending;
    pending = load(i + 1);
    // A failed prefetch is reported by the await at its own turn, not as an unhandled rejection.
    pending?.catch(() => {});
    const batch = makeBatch(model, part, images, false);
    if (model.hasImages && options.loadFeatures) batch.imageFeatures = options.loadFeatures(part);
    const out = await model.predict(batch, views);
    collector?.add(part, out);
    if (views && options.onInspect) {
      const one = newCollector();
      one.add(part, out);
      await options.onInspect(one.result());
    }
    predictions.push(...out.paths);
    options.onProgress?.(predictions.length, sentences.length);
  }
  return collector ? { predictions, inspect: collector.result() } : { predictions };
}

export function scoreReport(
  split: string,
  sentences: readonly Sentence[],
  predictions: readonly string[][],
  subsets: Record<string, readonly string[]> = {},
): EvalReport {
  const pred = predictions.map((p) => [...p]);
  const strict = scoreByLanguage(sentences, pred, { mode: 'strict' });
  const lenient = scoreByLanguage(sentences, pred);
  const memberOf = new Map<string, string[]>();
  for (const [name, ids] of Object.entries(subsets)) {
    for (const id of ids) memberOf.set(id, [...(memberOf.get(id) ?? []), name]);
  }
  const subsetScores: Record<string, SubsetScore> = {};
  for (const name of Object.keys(subsets)) {
    const idx = sentences.flatMap((s, i) => (memberOf.get(s.id)?.includes(name) ? [i] : []));
    const r = scoreSentences(
      idx.map((i) => sentences[i]!.tags),
      idx.map((i) => pred[i]!),
    );
    subsetScores[name] = { sentences: idx.length, ...r.overall };
  }
  return {
    version: 1,
    split,
    metrics: {
      conlleval: { overall: lenient.overall, byLanguage: lenient.byLanguage },
      strict: { overall: strict.overall, byLanguage: strict.byLanguage },
      subsets: subsetScores,
    },
    sentences: sentences.map((s, i) => {
      const row: EvalSentence = { id: s.id, lang: s.lang, tokens: s.tokens, gold: s.tags, pred: pred[i]! };
      if (s.image !== undefined) row.image = s.image;
      const names = memberOf.get(s.id);
      if (names) row.subsets = names;
      return row;
    }),
  };
}

export async function evaluate(
  model: MmnerModel,
  sentences: readonly Sentence[],
  options: EvaluateOptions,
): Promise<EvalReport> {
  const predictions = await predictAll(model, sentences, options);
  return scoreReport(options.split, sentences, predictions, options.subsets);
}
