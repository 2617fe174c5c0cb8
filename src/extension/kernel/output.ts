/**
 * What a cell shows: values become output items. A view (made by `mmner.view.*`) renders to one
 * of our MIME types plus a fallback that reads without our renderer (`image/png`, `text/html` or
 * `text/plain`); anything else is `text/plain` through util.inspect, as Node's REPL prints it.
 */
import { inspect } from 'node:util';
import type { OutputItem } from '../../core/protocol/kernel.js';

const VIEW = Symbol.for('mmner.view');

/** A value that knows its notebook output. */
export interface View {
  readonly [VIEW]: true;
  /** What it is, for util.inspect (`mmner.view.metrics(run, test)`). */
  readonly label: string;
  render(): Promise<OutputItem[]>;
}

export function isView(value: unknown): value is View {
  return typeof value === 'object' && value !== null && (value as { [VIEW]?: unknown })[VIEW] === true;
}

/** A view from its label and renderer; inspecting it prints the label instead of its closure. */
export function makeView(label: string, render: () => Promise<OutputItem[]>): View {
  return {
    [VIEW]: true,
    label,
    render,
    [inspect.custom]: () => `[view ${label}]`,
  } as View;
}

/** One JSON output item of our MIME types. */
export function jsonItem(mime: string, payload: unknown): OutputItem {
  return { mime, data: JSON.stringify(payload) };
}

export function pngItem(png: Uint8Array): OutputItem {
  return { mime: 'image/png', data: Buffer.from(png).toString('base64'), encoding: 'base64' };
}

export function textItem(text: string): OutputItem {
  return { mime: 'text/plain', data: text };
}

const INSPECT = { depth: 4, maxArrayLength: 50, maxStringLength: 10_000, breakLength: 100 } as const;

/**
 * Output items of a value; `raw` strings (from `display('text')`) show as they are, a cell's
 * result shows them quoted, as the REPL does.
 */
export async function outputItems(value: unknown, options: { raw?: boolean } = {}): Promise<OutputItem[]> {
  if (isView(value)) return value.render();
  if (options.raw && typeof value === 'string') return [textItem(value)];
  return [textItem(inspect(value, INSPECT))];
}
