/**
 * Training curves from a run's events: each loss part, the learning rate and the dev F1 (overall
 * and per language), stacked with independent scales since their units differ. Long runs are
 * thinned to a bounded number of steps so the spec stays small enough for a notebook output.
 */
import type { EvalEvent, StepEvent, TrainEvent } from '../../core/run/events.js';
import { ALL, orderLanguages } from '../palette.js';
import { type ChartSpec, chartFrame, languageColorEncoding } from './common.js';

export interface TrainingCurvesOptions {
  title?: string;
  /** Most step events drawn (evenly spread, the last always kept; default 1000). */
  maxSteps?: number;
}

/** Every `stride`-th element and the last one, so at most about `max` remain. */
export function thin<T>(items: readonly T[], max: number): T[] {
  if (items.length <= max) return items.slice();
  const stride = Math.ceil(items.length / max);
  const out = items.filter((_, i) => i % stride === 0);
  if (out.at(-1) !== items.at(-1)) out.push(items.at(-1)!);
  return out;
}

const STEP_AXIS = { field: 'step', type: 'quantitative' as const, title: 'Step (optimizer updates)' };
const PANEL_WIDTH = 520;
const PANEL_HEIGHT = 150;

function lossPanel(steps: readonly StepEvent[]) {
  const values = steps.flatMap((e) =>
    Object.entries(e.loss).map(([part, value]) => ({ step: e.step, epoch: e.epoch, part, value })),
  );
  const parts = [...new Set(values.map((v) => v.part))];
  // `total` is drawn last (on top) and in black: it is the sum the optimizer sees.
  const order = [...parts.filter((p) => p !== 'total').sort(), ...(parts.includes('total') ? ['total'] : [])];
  return {
    title: 'Loss per part',
    data: { values },
    width: PANEL_WIDTH,
    height: PANEL_HEIGHT,
    mark: { type: 'line' as const, strokeWidth: 1.5, tooltip: true },
    encoding: {
      x: STEP_AXIS,
      y: { field: 'value', type: 'quantitative' as const, title: 'Loss (nats)', scale: { zero: false } },
      color: {
        field: 'part',
        type: 'nominal' as const,
        title: 'Loss part',
        sort: order,
        scale: {
          domain: order,
          range: order.map((p, i) => (p === 'total' ? '#111111' : LOSS_COLORS[i % LOSS_COLORS.length]!)),
        },
      },
    },
  };
}

const LOSS_COLORS = ['#1b9e77', '#d95f02', '#7570b3', '#e7298a', '#66a61e', '#e6ab02'];

function lrPanel(steps: readonly StepEvent[]) {
  return {
    title: 'Learning rate',
    data: { values: steps.map((e) => ({ step: e.step, lr: e.lr })) },
    width: PANEL_WIDTH,
    height: 90,
    mark: { type: 'line' as const, color: '#555555', tooltip: true },
    encoding: {
      x: STEP_AXIS,
      y: { field: 'lr', type: 'quantitative' as const, title: 'Learning rate', axis: { format: '.1e' } },
    },
  };
}

function f1Panel(evals: readonly EvalEvent[]) {
  const values = evals.flatMap((e) => [
    { step: e.step, epoch: e.epoch, lang: ALL, f1: e.f1, best: e.best },
    ...Object.entries(e.perLanguage ?? {}).map(([lang, f1]) => ({
      step: e.step,
      epoch: e.epoch,
      lang,
      f1,
      best: e.best,
    })),
  ]);
  const langs = orderLanguages(values.map((v) => v.lang));
  return {
    title: 'Dev F1 (model selection)',
    data: { values },
    width: PANEL_WIDTH,
    height: PANEL_HEIGHT,
    mark: { type: 'line' as const, point: true, tooltip: true },
    encoding: {
      x: STEP_AXIS,
      y: { field: 'f1', type: 'quantitative' as const, title: 'Dev F1 (%)', scale: { zero: false } },
      color: languageColorEncoding(langs),
      strokeWidth: { condition: { test: `datum.lang === '${ALL}'`, value: 2.5 }, value: 1.2 },
    },
  };
}

/**
 * Loss parts, learning rate and dev F1 against the step, one panel each (panels without data are
 * left out, but the loss panel always stays so the spec is never empty).
 */
export function trainingCurvesChart(
  events: readonly TrainEvent[],
  options: TrainingCurvesOptions = {},
): ChartSpec {
  const steps = thin(
    events.filter((e): e is StepEvent => e.type === 'step'),
    options.maxSteps ?? 1000,
  );
  const evals = events.filter((e): e is EvalEvent => e.type === 'eval');
  const panels = [
    lossPanel(steps),
    ...(steps.length > 0 ? [lrPanel(steps)] : []),
    ...(evals.length > 0 ? [f1Panel(evals)] : []),
  ];
  const last = events.filter((e) => e.type === 'step').at(-1) as StepEvent | undefined;
  return {
    ...chartFrame(
      options.title ?? 'Training curves',
      last ? `${last.step} steps, ${last.epoch + 1} epoch(s)` : 'no step events yet',
    ),
    vconcat: panels,
    spacing: 18,
    resolve: { scale: { color: 'independent' }, legend: { color: 'independent' } },
  };
}
