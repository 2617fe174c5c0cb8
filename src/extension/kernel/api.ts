/**
 * The `mmner` object cells get: thin wrappers over the library's jobs (sample data, load data,
 * train, evaluate) and the views. Everything long-running takes the running cell's abort signal,
 * so the notebook's stop button stops it cleanly: a training saves a checkpoint and `mmner.train`
 * resolves with `reason: 'interrupted'` (resume it with `resume: true`).
 */
import { resolve } from 'node:path';
import { evalRun, type TrainRunOptions, trainRun } from '../../cli/runs.node.js';
import { findManifest, type LoadedDataset, loadDataset } from '../../core/data/dataset.node.js';
import { MmnerError } from '../../core/errors.js';
import { MIME, type ProgressPayload } from '../../core/protocol/mime.js';
import type { TrainEvent } from '../../core/run/events.js';
import { generateSample, type SampleSize } from '../../core/sample/generate.js';
import { type WriteSampleResult, writeSample } from '../../core/sample/write.node.js';
import type { BackendName } from '../../train/backends.js';
import type { Execution } from './execution.js';
import { jsonItem, makeView, textItem, type View } from './output.js';
import { type RunRef, runPath } from './runFiles.js';
import {
  alignmentView,
  attentionViewOf,
  errorsView,
  languageScoresView,
  metricsView,
  misalignedView,
  sentencesView,
} from './views.js';

export interface ApiOptions {
  /** The backend jobs use unless a call names one (`MMNER_BACKEND`, default wasm). */
  backend: string;
}

/** `mmner.train`'s options: the CLI's, without the plumbing the kernel supplies. */
export type TrainOptions = Omit<TrainRunOptions, 'signal' | 'onEvent' | 'log'>;

export interface TrainSummary {
  /** The run folder (pass it, or this object, to the views). */
  run: string;
  backend: string;
  reason: string;
  bestF1?: number;
  devF1?: number;
  testF1?: number;
}

/** Progress updates at most this often (the last state is always shown). */
const PROGRESS_EVERY_MS = 250;

function progressItems(p: ProgressPayload) {
  const parts = [
    `${p.state}: epoch ${p.epoch + 1}, step ${p.step}/${p.totalSteps}`,
    p.loss === undefined ? '' : `loss ${p.loss.toFixed(3)}`,
    p.devF1 === undefined ? '' : `dev F1 ${p.devF1.toFixed(2)}`,
    p.etaSec === undefined || p.state !== 'running' ? '' : `${Math.round(p.etaSec)} s left`,
  ];
  return [jsonItem(MIME.progress, p), textItem(parts.filter(Boolean).join(', '))];
}

/** A live progress output fed by training events; returns the observer and the final update. */
function progressOutput(execution: Execution) {
  const state: ProgressPayload = { step: 0, totalSteps: 0, epoch: 0, state: 'running' };
  const handle = execution.display(makeView('progress', async () => progressItems({ ...state })));
  let last = 0;
  const show = () => handle.update(makeView('progress', async () => progressItems({ ...state })));
  const onEvent = (e: TrainEvent) => {
    if (e.type === 'runStart') Object.assign(state, { step: e.startStep, totalSteps: e.totalSteps });
    else if (e.type === 'step')
      Object.assign(state, {
        step: e.step,
        epoch: e.epoch,
        loss: e.loss.total,
        examplesPerSec: e.examplesPerSec,
        etaSec: e.etaSec,
      });
    else if (e.type === 'eval') state.devF1 = e.f1;
    else return;
    const now = Date.now();
    if (e.type === 'step' && now - last < PROGRESS_EVERY_MS) return;
    last = now;
    void show();
  };
  const finish = (end: ProgressPayload['state']) => {
    state.state = end;
    return show();
  };
  return { onEvent, finish };
}

export function createApi(current: () => Execution | undefined, options: ApiOptions) {
  const execution = (what: string): Execution => {
    const ex = current();
    if (!ex) throw new MmnerError('E_KERNEL_NO_CELL', `${what} must be called from a running cell`);
    return ex;
  };
  const backend = (name?: string) => (name ?? options.backend) as BackendName | 'auto';

  return {
    /** The running cell's abort signal, for code of your own that should stop on interrupt. */
    get signal(): AbortSignal {
      return execution('mmner.signal').signal;
    },

    /** Waits `ms`, or rejects with an AbortError when the cell is interrupted. */
    sleep(ms: number): Promise<void> {
      const signal = execution('mmner.sleep').signal;
      return new Promise((done, fail) => {
        if (signal.aborted) return fail(signal.reason);
        const timer = setTimeout(done, ms);
        const stop = () => {
          clearTimeout(timer);
          fail(signal.reason);
        };
        signal.addEventListener('abort', stop, { once: true });
      });
    },

    /** Writes the embedded sample dataset (IMGID-CoNLL + images + manifest) into `dir`. */
    async sample(
      dir: string,
      { seed = 1, size = 'small', force = false }: { seed?: number; size?: SampleSize; force?: boolean } = {},
    ): Promise<WriteSampleResult & { dir: string }> {
      const out = resolve(dir);
      return { dir: out, ...(await writeSample(out, generateSample({ seed, size }), { force })) };
    },

    /** Reads a dataset (a `dataset.json`, or a folder holding one). */
    async loadData(path: string): Promise<LoadedDataset> {
      const manifest = await findManifest(resolve(path));
      if (!manifest) {
        throw new MmnerError(
          'E_DATA_MANIFEST',
          `${path} is not a dataset manifest or a folder with dataset.json`,
          {
            hint: 'write one with await mmner.sample(dir)',
          },
        );
      }
      return loadDataset(manifest);
    },

    /** Trains a run with live progress; interrupting the cell stops it at a checkpoint. */
    async train(opts: TrainOptions): Promise<TrainSummary> {
      const ex = execution('mmner.train');
      const progress = progressOutput(ex);
      const job = trainRun({
        ...opts,
        backend: backend(opts.backend),
        signal: ex.signal,
        onEvent: progress.onEvent,
        log: (line) => ex.console.log(line),
      });
      ex.track(job);
      try {
        const r = await job;
        await progress.finish(r.result.reason === 'interrupted' ? 'cancelled' : 'done');
        return {
          run: r.runPath,
          backend: r.backend,
          reason: r.result.reason,
          ...(r.result.bestF1 !== undefined ? { bestF1: r.result.bestF1 } : {}),
          ...(r.dev ? { devF1: r.dev.metrics.conlleval.overall.overall.f1 } : {}),
          ...(r.test ? { testF1: r.test.metrics.conlleval.overall.overall.f1 } : {}),
        };
      } catch (e) {
        await progress.finish('failed');
        throw e;
      }
    },

    /** Scores a run's selected checkpoint on a split (writes eval/<split>.json); shows as its metrics. */
    async evaluate(
      run: RunRef,
      split = 'test',
      opts: { data?: string; backend?: string } = {},
    ): Promise<View> {
      const ex = execution('mmner.evaluate');
      const job = evalRun(runPath(run), split, {
        ...(opts.data ? { data: opts.data } : {}),
        backend: backend(opts.backend),
        log: (line) => ex.console.log(line),
      });
      await ex.track(job);
      return metricsView(run, { split });
    },

    view: {
      languageScores: languageScoresView,
      metrics: metricsView,
      alignment: alignmentView,
      attention: attentionViewOf,
      errors: errorsView,
      misaligned: misalignedView,
      sentences: sentencesView,
    },
  };
}

export type MmnerApi = ReturnType<typeof createApi>;
