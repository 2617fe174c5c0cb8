/**
 * Learning-rate schedules as pure functions of the step, so a resumed run gets the same rates
 * with no scheduler state to save. Step numbering follows Hugging Face's
 * get_linear_schedule_with_warmup: the rate for the optimizer step taken after `step` steps.
 */
import { MmnerError } from '../core/errors.js';

export const SCHEDULE_KINDS = Object.freeze(['linear', 'constant'] as const);
export type ScheduleKind = (typeof SCHEDULE_KINDS)[number];

export interface ScheduleConfig {
  /** `linear`: warmup then linear decay to 0 at `totalSteps` (the paper's); `constant`: warmup then flat. */
  kind: ScheduleKind;
  /** The peak learning rate. */
  lr: number;
  /** Steps of linear warmup from 0 (0: none, the first step uses `lr`). */
  warmupSteps: number;
}

export type Schedule = (step: number) => number;

/**
 * The rate for the step taken after `step` completed steps (0-based), as
 * HF `get_linear_schedule_with_warmup` / `get_constant_schedule_with_warmup`.
 * @example lrAt({ kind: 'linear', lr: 1, warmupSteps: 2 }, 3, 10) // → 0.875 (= (10-3)/(10-2))
 */
export function lrAt(config: ScheduleConfig, step: number, totalSteps: number): number {
  const { lr, warmupSteps } = config;
  if (step < warmupSteps) return (lr * step) / Math.max(1, warmupSteps);
  if (config.kind === 'constant') return lr;
  return lr * Math.max(0, (totalSteps - step) / Math.max(1, totalSteps - warmupSteps));
}

/** `lrAt` bound to a run length, after validating the config. */
export function makeSchedule(config: ScheduleConfig, totalSteps: number): Schedule {
  if (!SCHEDULE_KINDS.includes(config.kind)) {
    throw new MmnerError('E_CONFIG_SCHEDULE', `unknown schedule "${config.kind}"`, {
      hint: `use one of: ${SCHEDULE_KINDS.join(', ')}`,
    });
  }
  if (!(config.lr > 0)) throw new MmnerError('E_CONFIG_SCHEDULE', `lr must be > 0, got ${config.lr}`);
  if (!(Number.isInteger(config.warmupSteps) && config.warmupSteps >= 0)) {
    throw new MmnerError(
      'E_CONFIG_SCHEDULE',
      `warmupSteps must be an integer ≥ 0, got ${config.warmupSteps}`,
    );
  }
  return (step) => lrAt(config, step, totalSteps);
}
