/**
 * Live training progress (`ProgressPayload`): one compact bar with step/total, epoch, loss, dev
 * F1, speed and ETA. The kernel replaces the output many times a second while a cell trains, so
 * a second render into the same element updates the bar in place (the width eases, nothing
 * flickers) instead of building it again.
 */
import type { ProgressPayload } from '../../core/protocol/mime.js';
import { html } from '../../viz/html/escape.js';
import { required, setMarkup } from '../dom.js';
import { progressPayload } from '../payload.js';
import type { View } from './view.js';

/** `1h 02m`, `3m 05s`, `42s`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  if (h > 0) return `${h}h ${pad(m)}m`;
  if (m > 0) return `${m}m ${pad(s % 60)}s`;
  return `${s}s`;
}

const STATE_LABEL: Record<ProgressPayload['state'], string> = {
  running: 'training',
  done: 'done',
  cancelled: 'cancelled',
  failed: 'failed',
};

/** The parts of the status line, in order; absent values are left out. */
export function progressParts(p: ProgressPayload): string[] {
  return [
    `step ${p.step}/${p.totalSteps}`,
    `epoch ${p.epoch}`,
    p.loss !== undefined ? `loss ${p.loss.toFixed(4)}` : '',
    p.devF1 !== undefined ? `dev F1 ${p.devF1.toFixed(2)}%` : '',
    p.examplesPerSec !== undefined ? `${p.examplesPerSec.toFixed(1)} ex/s` : '',
    p.state === 'running' && p.etaSec !== undefined ? `ETA ${formatDuration(p.etaSec)}` : '',
  ].filter((s) => s !== '');
}

export const renderProgress: View = (value, element) => {
  const p = progressPayload(value);
  const fraction = p.totalSteps > 0 ? Math.max(0, Math.min(1, p.step / p.totalSteps)) : 0;
  if (!element.querySelector('.mm-progress')) {
    setMarkup(
      element,
      html`<div class="mm-progress" role="progressbar" aria-valuemin="0"><span class="mm-progress-state"></span><span class="mm-progress-track"><span class="mm-progress-fill"></span></span><span class="mm-progress-text"></span></div>`,
    );
  }
  const bar = required<HTMLElement>(element, '.mm-progress');
  bar.dataset.state = p.state;
  bar.setAttribute('aria-valuemax', String(p.totalSteps));
  bar.setAttribute('aria-valuenow', String(p.step));
  required<HTMLElement>(bar, '.mm-progress-state').textContent = STATE_LABEL[p.state];
  required<HTMLElement>(bar, '.mm-progress-fill').style.width = `${(fraction * 100).toFixed(2)}%`;
  required<HTMLElement>(bar, '.mm-progress-text').textContent = progressParts(p).join(' · ');
};
