/**
 * Precomputed image features for the branches a run feeds from frozen ONNX exports: per job, the
 * export is opened once with its feature cache (content hash × encoder × preprocessing), a first
 * pass fills the cache for every image the job will see (progress on stderr), and batches then
 * take their features from memory. Missing images get zeros, as the `blank` policy gives pixels.
 */
import { dirname, resolve } from 'node:path';
import { MmnerError } from '../core/errors.js';
import { FeatureCache } from '../core/image/featureCache.node.js';
import { processorOutputSize } from '../core/image/hfProcessor.node.js';
import type { Sentence } from '../core/types.js';
import { type ModelConfig, type OnnxBranch, type OnnxBranchConfig, onnxBranch } from '../model/config.js';
import { type FeatureKind, OnnxImageEncoder } from '../onnx/encoders.js';
import type { OnnxProviderChoice } from '../onnx/session.js';

/** Where features are cached by default: `.mmner-cache/features` beside the runs folder. */
export function defaultFeatureCacheDir(runPath: string): string {
  return resolve(dirname(resolve(runPath)), '..', '.mmner-cache', 'features');
}

export interface FeatureSourceOptions {
  cacheDir: string;
  provider?: OnnxProviderChoice;
  /** A new run: read the sizes from the export into the config. Otherwise check them against it. */
  settle: boolean;
  log?: (line: string) => void;
}

/** What one fill pass did per branch (features read from the cache vs computed by the encoder). */
export interface FillStats {
  branch: OnnxBranch;
  images: number;
  read: number;
  computed: number;
}

interface Branch {
  index: number;
  name: OnnxBranch;
  config: OnnxBranchConfig;
  encoder: OnnxImageEncoder;
  cache: FeatureCache;
  kind: FeatureKind;
  /** Image path → features, for every image a fill pass saw. */
  table: Map<string, Float32Array>;
}

/** Rows, width, CLS row and grid of an export's features, from one blank image. */
async function featureLayout(
  encoder: OnnxImageEncoder,
  kind: FeatureKind,
  shape: readonly number[],
): Promise<Pick<OnnxBranchConfig, 'dim' | 'rows' | 'cls' | 'grid'>> {
  if (kind === 'pooled') return { dim: shape[0]!, rows: 1 };
  const size = processorOutputSize(encoder.processor)!;
  const probe = await encoder.run({
    data: new Float32Array(3 * size.width * size.height),
    dims: [1, 3, size.height, size.width],
  });
  const dims = probe.lastHiddenState!.dims;
  const [rows, dim] = [shape[0]!, shape[1]!];
  // ResNet-like [1, C, h, w]: the cells, row-major. ViT-like [1, 1 + P, D]: a CLS row, then the patches.
  if (dims.length === 4) return { dim, rows, grid: [dims[2]!, dims[3]!] };
  const side = Math.round(Math.sqrt(rows - 1));
  return {
    dim,
    rows,
    cls: true,
    ...(side * side === rows - 1 ? { grid: [side, side] as [number, number] } : {}),
  };
}

export class ImageFeatureSource {
  private constructor(
    private readonly branchCount: number,
    private readonly branches: Branch[],
    private readonly log: (line: string) => void,
  ) {}

  /**
   * Opens the export and cache of each ONNX-fed branch of `config` (undefined when it has none).
   * With `settle`, writes the feature sizes and the encoder id into the config (a new run);
   * otherwise refuses an export that is not the one the run was trained with.
   */
  static async open(
    config: ModelConfig,
    options: FeatureSourceOptions,
  ): Promise<ImageFeatureSource | undefined> {
    const log = options.log ?? (() => {});
    const branches: Branch[] = [];
    try {
      for (const [index, name] of config.image.branches.entries()) {
        const onnx = onnxBranch(config, name);
        if (!onnx) continue;
        const encoder = await OnnxImageEncoder.load(onnx.path, {
          provider: options.provider ?? 'auto',
          log: (line) => log(`${name}: ${line}`),
        });
        const kind: FeatureKind = onnx.features === 'regions' ? 'tokens' : 'pooled';
        const key = await encoder.cacheKey(kind).catch(async (e: unknown) => {
          await encoder.release();
          throw e;
        });
        if (options.settle) {
          Object.assign(onnx, await featureLayout(encoder, kind, key.shape), { encoder: key.encoder });
        } else if (
          onnx.encoder !== key.encoder ||
          onnx.rows! * onnx.dim! !== key.shape.reduce((a, b) => a * b, 1)
        ) {
          await encoder.release();
          throw new MmnerError(
            'E_RUN_CONFIG',
            `the ONNX export of the ${name} branch is not the one this run was trained with`,
            {
              file: onnx.path,
              hint: `restore the export the run used (encoder ${onnx.encoder ?? 'unknown'}, now ${key.encoder}), or train a new run`,
            },
          );
        }
        const cache = await FeatureCache.open(options.cacheDir, key);
        branches.push({
          index,
          name: name as OnnxBranch,
          config: onnx,
          encoder,
          cache,
          kind,
          table: new Map(),
        });
        log(
          `${name}: ONNX features (${onnx.features}, [${key.shape.join(', ')}]) on ${encoder.provider}, cache ${cache.dir}`,
        );
      }
    } catch (e) {
      for (const b of branches) await b.encoder.release();
      throw e;
    }
    return branches.length ? new ImageFeatureSource(config.image.branches.length, branches, log) : undefined;
  }

  /**
   * The first pass: features of every image of `sentences` (`pathOf` finds an image's file),
   * read from the cache or computed and stored, then held in memory for the batches.
   */
  async fill(
    sentences: readonly Sentence[],
    pathOf: (s: Sentence) => string | undefined,
  ): Promise<FillStats[]> {
    const paths = [...new Set(sentences.flatMap((s) => pathOf(s) ?? []))];
    const stats: FillStats[] = [];
    for (const b of this.branches) {
      const todo = paths.filter((p) => !b.table.has(p));
      const before = b.cache.stats();
      const chunk = Math.max(32, b.encoder.batchSize * 4);
      let nextReport = 0;
      for (let from = 0; from < todo.length; from += chunk) {
        const part = todo.slice(from, from + chunk);
        const features = await b.encoder.encodeFilesCached(part, b.cache, b.kind);
        part.forEach((p, i) => {
          b.table.set(p, features[i]!);
        });
        const done = from + part.length;
        // About ten progress lines per pass, so a long first pass shows it is moving.
        if (done >= nextReport && done < todo.length) {
          this.log(`${b.name} features: ${done}/${todo.length} images`);
          nextReport = done + Math.ceil(todo.length / 10);
        }
      }
      const after = b.cache.stats();
      const s: FillStats = {
        branch: b.name,
        images: todo.length,
        read: after.hits - before.hits,
        computed: after.writes - before.writes,
      };
      this.log(
        `${b.name} features: ${s.images} image${s.images === 1 ? '' : 's'}, ${s.read} read from the cache, ${s.computed} computed`,
      );
      stats.push(s);
    }
    return stats;
  }

  /**
   * A batch's features in branch order (undefined for pixel branches), each `[B, rows, D]`
   * flattened; zeros for a sentence whose image is absent. Every image must have been filled.
   */
  batch(
    sentences: readonly Sentence[],
    pathOf: (s: Sentence) => string | undefined,
  ): (Float32Array | undefined)[] {
    const out: (Float32Array | undefined)[] = Array.from({ length: this.branchCount }, () => undefined);
    for (const b of this.branches) {
      const per = b.cache.length;
      const data = new Float32Array(sentences.length * per);
      sentences.forEach((s, i) => {
        const path = pathOf(s);
        if (path === undefined) return;
        const f = b.table.get(path);
        if (!f) throw new Error(`ImageFeatureSource: ${path} was not filled before batching`);
        data.set(f, i * per);
      });
      out[b.index] = data;
    }
    return out;
  }

  /** A scoring source: the pixels of `pixels` (none when no branch needs them) and this source's features. */
  scoring(
    pixels: { batch(s: readonly Sentence[]): Float32Array | Promise<Float32Array> } | undefined,
    pathOf: (s: Sentence) => string | undefined,
  ): {
    batch(s: readonly Sentence[]): Promise<Float32Array>;
    features(s: readonly Sentence[]): (Float32Array | undefined)[];
  } {
    return {
      batch: async (sentences) => (await pixels?.batch(sentences)) ?? new Float32Array(0),
      features: (sentences) => this.batch(sentences, pathOf),
    };
  }

  async close(): Promise<void> {
    for (const b of this.branches) await b.encoder.release();
  }
}

/** The feature source of an existing run (eval, predict): its saved config, checked against the export. */
export function openRunFeatures(
  config: ModelConfig,
  runPath: string,
  options: { featureCache?: string; onnxProvider?: OnnxProviderChoice; log?: (line: string) => void },
): Promise<ImageFeatureSource | undefined> {
  return ImageFeatureSource.open(config, {
    cacheDir: options.featureCache ? resolve(options.featureCache) : defaultFeatureCacheDir(runPath),
    ...(options.onnxProvider ? { provider: options.onnxProvider } : {}),
    settle: false,
    ...(options.log ? { log: options.log } : {}),
  });
}
