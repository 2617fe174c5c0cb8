/**
 * The renderer's image policy: an output shows only images it carries itself, as base64
 * `data:image/…` URIs. A URL (remote, file or relative) would make the webview load something,
 * and a saved notebook must not reach out when it is opened, so every other source is refused
 * and the view says so in a note instead of showing a broken picture.
 */
import { html, type SafeHtml, safeImageSrc } from '../viz/html/escape.js';

/** Collects the refusals of one output, for the note under it. */
export class ImagePolicy {
  readonly refused: string[] = [];

  /** `src` when it is an inline image, else `undefined` (and the refusal is noted). */
  admit(src: string | undefined): string | undefined {
    if (src === undefined || src === '') return undefined;
    if (/^data:image\//i.test(src) && safeImageSrc(src, { remote: false }) === src) return src;
    this.refused.push(src);
    return undefined;
  }

  /** Admits every value of a record (e.g. images by sentence id). */
  admitAll(images: Readonly<Record<string, string>> | undefined): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [id, src] of Object.entries(images ?? {})) {
      const ok = this.admit(src);
      if (ok) out[id] = ok;
    }
    return out;
  }

  /** A note naming the refused sources (shortened), or nothing when none was refused. */
  note(): SafeHtml | '' {
    if (this.refused.length === 0) return '';
    const shown = this.refused.slice(0, 3).map((s) => (s.length > 60 ? `${s.slice(0, 57)}…` : s));
    const more = this.refused.length - shown.length;
    return html`<p class="mm-note mm-refused" role="note">${this.refused.length} image(s) not shown: only inline <code>data:image/…</code> images are displayed, never a URL (${shown.map(
      (s, i) => html`${i > 0 ? ', ' : ''}<code>${s}</code>`,
    )}${more > 0 ? `, ${more} more` : ''}).</p>`;
  }
}
