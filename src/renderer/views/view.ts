/**
 * The contract between the dispatcher (index.ts) and the views: one function per MIME type that
 * draws a checked payload into an element, registers what must be undone when the output goes
 * away, and adds its listeners with the signal that ends them.
 */
import type { RendererMessage } from '../messages.js';

export interface ViewContext {
  /** Aborted when the output is disposed or rendered again: pass it to addEventListener. */
  signal: AbortSignal;
  /** Runs `fn` when the output is disposed or rendered again (e.g. to finalize a vega view). */
  onDispose(fn: () => void): void;
  /** Posts to the extension host, when the notebook has renderer messaging. */
  postMessage?: (message: RendererMessage) => void;
}

/** Draws `value` (unchecked JSON) into `element`; throws an MmnerError on a bad payload. */
export type View = (value: unknown, element: HTMLElement, context: ViewContext) => void | Promise<void>;
