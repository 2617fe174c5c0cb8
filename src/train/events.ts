/**
 * Observers of the trainer's events (aesthetics convention 11: the loop announces, observers act):
 * the JSON-lines log in the run folder, fsync'd at every checkpoint so the log is at least as
 * durable as the checkpoint it names.
 */
import type { TrainEvent } from '../core/run/events.js';
import type { RunDir } from '../core/run/runDir.node.js';

/** Receives every event in order; the loop awaits it before going on. */
export type Observer = (event: TrainEvent) => void | Promise<void>;

/** Appends each event to `runs/<name>/events.jsonl`; syncs at checkpoints, closes at the end. */
export function runDirLogger(run: RunDir): Observer {
  return async (event) => {
    await run.appendEvent(event);
    if (event.type === 'checkpoint' || event.type === 'interrupted') await run.syncEvents();
    if (event.type === 'runEnd') await run.close();
  };
}

/** Calls each observer in turn. */
export function fanOut(observers: readonly Observer[]): Observer {
  return async (event) => {
    for (const o of observers) await o(event);
  };
}
