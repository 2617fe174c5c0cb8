/**
 * The notebook output renderer (VS Code `notebookRenderer` entry point, a browser ES module).
 * It gives each output a shadow root with the views' CSS, checks the output's MIME type and
 * payload, and hands off to one view per MIME type (views/). Whatever goes wrong is shown as a
 * readable box in the output; nothing is thrown back at VS Code. Each output's listeners and
 * vega views are released when it is rendered again or disposed.
 */
import type { ActivationFunction, OutputItem } from 'vscode-notebook-renderer';
import { MmnerError } from '../core/errors.js';
import { MIME, MMNER_MIMES, type MmnerMime } from '../core/protocol/mime.js';
import { VIEW_CSS } from '../viz/html/styles.js';
import { errorBox, setMarkup } from './dom.js';
import type { RendererMessage } from './messages.js';
import { RENDERER_CSS } from './styles.js';
import { renderAlignment } from './views/alignment.js';
import { renderAttention } from './views/attention.js';
import { renderChart } from './views/chart.js';
import { renderErrors } from './views/errors.js';
import { renderMetrics } from './views/metrics.js';
import { renderMisaligned } from './views/misaligned.js';
import { renderProgress } from './views/progress.js';
import { renderSentences } from './views/sentences.js';
import type { View } from './views/view.js';

/** One view per MIME type; the mapped type makes a missing one a compile error. */
const VIEWS: { readonly [K in keyof typeof MIME]: { view: View; what: string } } = {
  chart: { view: renderChart, what: 'chart' },
  metrics: { view: renderMetrics, what: 'score table' },
  sentences: { view: renderSentences, what: 'sentence view' },
  attention: { view: renderAttention, what: 'attention view' },
  alignment: { view: renderAlignment, what: 'alignment plot' },
  errors: { view: renderErrors, what: 'error table' },
  misaligned: { view: renderMisaligned, what: 'misaligned-pairs table' },
  progress: { view: renderProgress, what: 'progress bar' },
};

const BY_MIME = new Map<string, { view: View; what: string }>(
  (Object.keys(MIME) as (keyof typeof MIME)[]).map((k) => [MIME[k], VIEWS[k]]),
);

export function isMmnerMime(mime: string): mime is MmnerMime {
  return (MMNER_MIMES as readonly string[]).includes(mime);
}

let sheet: CSSStyleSheet | undefined;

/** The output's shadow root (made once per element) with the shared stylesheet, and its view box. */
function outputRoot(element: HTMLElement): HTMLElement {
  const root = element.shadowRoot ?? element.attachShadow({ mode: 'open' });
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(VIEW_CSS + RENDERER_CSS);
  }
  if (!root.adoptedStyleSheets.includes(sheet)) root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
  let box = Array.from(root.children).find((c): c is HTMLElement => c.classList.contains('mm-output'));
  if (!box) {
    box = document.createElement('div');
    box.className = 'mm-output';
    root.append(box);
  }
  return box;
}

function parse(item: OutputItem): unknown {
  try {
    return item.json();
  } catch (e) {
    throw new MmnerError('E_RENDER_PAYLOAD', `the output is not valid JSON (${(e as Error).message})`, {
      hint: 'The notebook file may be damaged: run the cell again.',
    });
  }
}

interface Live {
  controller: AbortController;
  disposers: (() => void)[];
}

export const activate: ActivationFunction = (context) => {
  const live = new Map<string, Live>();
  const release = (id: string) => {
    const state = live.get(id);
    if (!state) return;
    live.delete(id);
    state.controller.abort();
    for (const fn of state.disposers) {
      try {
        fn();
      } catch {
        // A view that fails to clean up must not stop the others.
      }
    }
  };
  const post = context.postMessage ? (message: RendererMessage) => context.postMessage?.(message) : undefined;

  return {
    async renderOutputItem(item, element, signal?: AbortSignal) {
      release(item.id);
      const state: Live = { controller: new AbortController(), disposers: [] };
      live.set(item.id, state);
      signal?.addEventListener('abort', () => release(item.id), { once: true });
      let box: HTMLElement;
      try {
        box = outputRoot(element);
      } catch (e) {
        element.textContent = `mmner could not show this output: ${(e as Error).message}`;
        return;
      }
      const entry = BY_MIME.get(item.mime);
      try {
        if (!entry || !isMmnerMime(item.mime)) {
          throw new MmnerError('E_RENDER_MIME', `no mmner view for the MIME type ${item.mime}`, {
            hint: `mmner renders ${MMNER_MIMES.join(', ')}.`,
          });
        }
        // A view drawn before into this element is kept only by the progress bar (updated in place).
        if (item.mime !== MIME.progress) box.replaceChildren();
        await entry.view(parse(item), box, {
          signal: state.controller.signal,
          // A view that finishes after its output was released cleans up at once.
          onDispose: (fn) => (state.controller.signal.aborted ? fn() : state.disposers.push(fn)),
          ...(post ? { postMessage: post } : {}),
        });
      } catch (e) {
        // A render overtaken by a newer one for the same output leaves the box to that one.
        if (!state.controller.signal.aborted) setMarkup(box, errorBox(e, entry?.what ?? 'output'));
      }
    },
    disposeOutputItem(id?: string) {
      if (id !== undefined) release(id);
      else for (const key of [...live.keys()]) release(key);
    },
  };
};
