/**
 * `mmner train`: trains 2M-NER on a dataset manifest into a run folder, with a progress bar,
 * dev-set selection, Ctrl-C = save a checkpoint and stop (resume with --resume), then prints
 * the per-language scores of the selected checkpoint.
 */
import { MmnerError } from '../../core/errors.js';
import { ABLATIONS, type Ablation, PRESETS, type Preset } from '../../model/config.js';
import { progressReporter } from '../../train/progress.js';
import {
  type Command,
  choiceOption,
  intOption,
  noPositionals,
  parseCommandArgs,
  required,
} from '../command.js';
import { featureOptions } from '../featureOptions.js';
import { backendOption } from '../options.js';
import { trainRun } from '../runs.node.js';
import { formatLanguageTable } from '../tables.js';

const NAME = 'train';

export const train: Command = {
  name: NAME,
  summary: 'Train a 2M-NER model on a dataset (selects the best checkpoint on dev)',
  usage: `Usage: mmner train --data DIR --out runs/NAME [--preset tiny|paper] [--ablation NAME]
                   [--backend auto|wasm|cpu|webgpu|tensorflow] [--epochs N] [--batch-size N]
                   [--lr X] [--seed N] [--patience N] [--limit N] [--checkpoint-every N]
                   [--ema D] [--micro-batches N] [--set PATH=VALUE]... [--resume]
                   [--text-model DIR] [--vit DIR] [--resnet DIR]
                   [--resnet-onnx DIR] [--vit-onnx DIR] [--onnx-features pooled|regions]
                   [--feature-cache DIR] [--onnx-provider auto|cuda|webgpu|cpu]

Trains on the dataset's train split, evaluates on dev after every epoch and keeps the best
checkpoint by dev F1 (never test), then scores it on dev and test: runs/NAME/eval/{dev,test}.json.
Progress goes to runs/NAME/events.jsonl and, on a terminal, a progress bar. Ctrl-C finishes the
current step, saves a checkpoint and stops; --resume continues exactly where it stopped.

Options:
  --data DIR         a dataset manifest (dataset.json) or the folder holding it
  --out DIR          the run folder (created; its name may use letters, digits, . _ -)
  --preset P         tiny (from scratch, CPU; default) or paper (pretrained encoders)
  --ablation A       ${ABLATIONS.join(', ')} (default none)
  --backend B        wasm (default), cpu, webgpu, tensorflow, or auto (the fastest available)
  --epochs N         override the preset's epochs (tiny: 12)
  --batch-size N     override the preset's batch size (32)
  --lr X             override the peak learning rate
  --seed N           seed of weights, dropout and batch order (default 1)
  --patience N       stop after N epochs without a better dev F1 (tiny: 4; 0 = never)
  --checkpoint-every N  also save a checkpoint every N steps (default: after each epoch's dev eval)
  --ema D            evaluate, select and predict with a moving average of the weights, decay D
                     in (0, 1), e.g. 0.995 (default: the preset's; tiny, paper: none)
  --micro-batches N  split each batch into N micro-batches and accumulate their gradients into
                     one optimizer step: less peak memory, the same step up to rounding (but
                     in-batch contrastive negatives come from the micro-batch); at most the
                     batch size (default 1; saved with the run, --resume keeps it)
  --set PATH=VALUE   override one field of the run config by its path in config.json, e.g.
                     --set model.text.options.hidden=200 --set train.weightDecay=0.01
                     (repeatable; an unknown path lists the settable ones)
  --limit N          use at most N sentences per split, spread over the languages (quick trials)
  --resume           continue the run in --out from its last valid checkpoint
  --text-model DIR   paper: a local Hugging Face BERT folder (bert-base-multilingual-cased)
  --vit DIR          paper: a local ViT or CLIP folder (fine-tuned at the encoder lr)
  --resnet DIR       paper: a local ResNet folder (frozen)
  --resnet-onnx DIR  a frozen ResNet ONNX export (model.onnx + preprocessor_config.json): its
                     features are computed once per image into the feature cache; adds the
                     resnet branch to a preset without one (tiny: cnn + resnet)
  --vit-onnx DIR     the same for the vit branch (frozen, unlike --vit)
  --onnx-features K  pooled (default: one vector per image, one region) or regions (the
                     export's grid cells / patch tokens)
  --feature-cache DIR  where features are cached (default: .mmner-cache/features beside the
                     runs folder, e.g. ./.mmner-cache/features for --out runs/NAME)
  --onnx-provider P  onnxruntime provider for the exports: auto (default), cuda, webgpu, cpu

Example:
  mmner data sample --out data/sample && mmner train --data data/sample --out runs/tiny
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(NAME, argv, {
      data: { type: 'string' },
      out: { type: 'string' },
      preset: { type: 'string' },
      ablation: { type: 'string' },
      backend: { type: 'string' },
      epochs: { type: 'string' },
      'batch-size': { type: 'string' },
      lr: { type: 'string' },
      seed: { type: 'string' },
      limit: { type: 'string' },
      patience: { type: 'string' },
      ema: { type: 'string' },
      'checkpoint-every': { type: 'string' },
      'micro-batches': { type: 'string' },
      set: { type: 'string', multiple: true },
      resume: { type: 'boolean' },
      'text-model': { type: 'string' },
      vit: { type: 'string' },
      resnet: { type: 'string' },
      'resnet-onnx': { type: 'string' },
      'vit-onnx': { type: 'string' },
      'onnx-features': { type: 'string' },
      'feature-cache': { type: 'string' },
      'onnx-provider': { type: 'string' },
    });
    noPositionals(NAME, positionals);
    const out = required(NAME, 'out', values.out);
    if (values.resume && values.set?.length) {
      throw new MmnerError(
        'E_USAGE',
        '--set applies to a new run; a resumed run keeps the config in its config.json',
        {
          hint: 'drop --set, or start a new run in another --out folder',
        },
      );
    }
    if (!values.data && !values.resume) {
      throw new MmnerError('E_USAGE', '--data is required (except with --resume)', {
        hint: `See: mmner ${NAME} --help`,
      });
    }
    const positive = (name: string, v: string | undefined) => {
      const n = intOption(NAME, name, v, 1);
      if (n < 1)
        throw new MmnerError('E_USAGE', `--${name} must be at least 1`, {
          hint: `See: mmner ${NAME} --help`,
        });
      return v === undefined ? undefined : n;
    };
    let lr: number | undefined;
    if (values.lr !== undefined) {
      lr = Number(values.lr);
      if (!(lr > 0)) throw new MmnerError('E_USAGE', `--lr must be a positive number, got '${values.lr}'`);
    }
    let ema: number | undefined;
    if (values.ema !== undefined) {
      ema = Number(values.ema);
      if (!(ema >= 0 && ema < 1))
        throw new MmnerError('E_USAGE', `--ema must be a decay in [0, 1) (0 = none), got '${values.ema}'`);
    }
    const controller = new AbortController();
    const onSigint = () => {
      io.err('\nmmner: stopping after this step and saving a checkpoint (Ctrl-C again to kill)\n');
      controller.abort();
      process.once('SIGINT', () => process.exit(130));
    };
    process.once('SIGINT', onSigint);
    try {
      const seed = intOption(NAME, 'seed', values.seed, 1);
      const epochs = positive('epochs', values.epochs);
      const batchSize = positive('batch-size', values['batch-size']);
      const limit = positive('limit', values.limit);
      const checkpointEvery = positive('checkpoint-every', values['checkpoint-every']);
      const microBatches = positive('micro-batches', values['micro-batches']);
      if (microBatches !== undefined && batchSize !== undefined && microBatches > batchSize) {
        throw new MmnerError(
          'E_USAGE',
          `--micro-batches ${microBatches} is more than --batch-size ${batchSize}`,
          { hint: 'use at most as many micro-batches as sentences per batch' },
        );
      }
      const patience =
        values.patience === undefined ? undefined : intOption(NAME, 'patience', values.patience, 0);
      if (patience !== undefined && patience < 0)
        throw new MmnerError('E_USAGE', '--patience must be 0 or more');
      const result = await trainRun({
        data: values.data ?? '',
        out,
        preset: choiceOption<Preset>(NAME, 'preset', values.preset, PRESETS, 'tiny'),
        ablation: choiceOption<Ablation>(NAME, 'ablation', values.ablation, ABLATIONS, 'none'),
        backend: backendOption(NAME, values.backend),
        seed,
        ...(epochs ? { epochs } : {}),
        ...(values['text-model'] ? { textModel: values['text-model'] } : {}),
        ...(values.vit ? { vit: values.vit } : {}),
        ...(values.resnet ? { resnet: values.resnet } : {}),
        ...(values['resnet-onnx'] ? { resnetOnnx: values['resnet-onnx'] } : {}),
        ...(values['vit-onnx'] ? { vitOnnx: values['vit-onnx'] } : {}),
        onnxFeatures: choiceOption<'pooled' | 'regions'>(
          NAME,
          'onnx-features',
          values['onnx-features'],
          ['pooled', 'regions'],
          'pooled',
        ),
        ...featureOptions(NAME, values),
        ...(batchSize ? { batchSize } : {}),
        ...(lr ? { lr } : {}),
        ...(limit ? { limit } : {}),
        ...(patience !== undefined ? { patience } : {}),
        ...(checkpointEvery ? { checkpointEvery } : {}),
        ...(ema !== undefined ? { ema } : {}),
        ...(microBatches !== undefined ? { microBatches } : {}),
        ...(values.set?.length ? { set: values.set } : {}),
        resume: Boolean(values.resume),
        signal: controller.signal,
        onEvent: progressReporter({ stream: { write: (s: string) => io.err(s), isTTY: io.isTTY } }),
        log: (line) => io.err(`${line}\n`),
      });
      const r = result.result;
      if (r.reason === 'interrupted') {
        io.out(`interrupted at step ${r.step}; resume with: mmner train --out ${out} --resume\n`);
        return 130;
      }
      io.out(
        `trained ${r.step} steps (${r.reason}); best dev F1 ${r.bestF1?.toFixed(2) ?? '–'} at step ${r.bestStep ?? '–'}\n`,
      );
      for (const report of [result.dev, result.test]) if (report) io.out(`\n${formatLanguageTable(report)}`);
      io.out(`\nrun: ${result.runPath}\n`);
      return 0;
    } finally {
      process.off('SIGINT', onSigint);
    }
  },
};
