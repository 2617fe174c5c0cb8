/**
 * Small SVG-writing helpers for the sample scenes: colours from HSL, short fixed-precision
 * numbers (so the text, and the rendered pixels, are the same on every machine), and a few
 * primitive shapes. No fonts anywhere: rendered text would depend on the installed fonts.
 */
import type { Rng } from '../../random.js';

/** A number with at most one decimal, without a trailing `.0`. */
export function n(x: number): string {
  const r = Math.round(x * 10) / 10;
  return Object.is(r, -0) ? '0' : String(r);
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

/** `#rrggbb` from hue (degrees), saturation and lightness (0–100). */
export function hsl(h: number, s: number, l: number): string {
  const hh = (((h % 360) + 360) % 360) / 360;
  const ss = clamp(s, 0, 100) / 100;
  const ll = clamp(l, 0, 100) / 100;
  const q = ll < 0.5 ? ll * (1 + ss) : ll + ss - ll * ss;
  const p = 2 * ll - q;
  const channel = (t0: number) => {
    const t = t0 < 0 ? t0 + 1 : t0 > 1 ? t0 - 1 : t0;
    const v = t < 1 / 6 ? p + (q - p) * 6 * t : t < 1 / 2 ? q : t < 2 / 3 ? p + (q - p) * (2 / 3 - t) * 6 : p;
    return Math.round(v * 255)
      .toString(16)
      .padStart(2, '0');
  };
  return `#${channel(hh + 1 / 3)}${channel(hh)}${channel(hh - 1 / 3)}`;
}

/** A random colour within the given ranges. */
export function randomColor(
  rng: Rng,
  s: [number, number] = [20, 80],
  l: [number, number] = [25, 75],
): string {
  return hsl(rng.range(0, 360), rng.range(s[0], s[1]), rng.range(l[0], l[1]));
}

export const rect = (x: number, y: number, w: number, h: number, fill: string, extra = '') =>
  `<rect x="${n(x)}" y="${n(y)}" width="${n(w)}" height="${n(h)}" fill="${fill}"${extra}/>`;

export const circle = (cx: number, cy: number, r: number, fill: string, extra = '') =>
  `<circle cx="${n(cx)}" cy="${n(cy)}" r="${n(r)}" fill="${fill}"${extra}/>`;

export const ellipse = (cx: number, cy: number, rx: number, ry: number, fill: string, extra = '') =>
  `<ellipse cx="${n(cx)}" cy="${n(cy)}" rx="${n(rx)}" ry="${n(ry)}" fill="${fill}"${extra}/>`;

export const line = (
  x1: number,
  y1: number,
  x2: number,
  y2: number,
  stroke: string,
  width: number,
  extra = '',
) =>
  `<line x1="${n(x1)}" y1="${n(y1)}" x2="${n(x2)}" y2="${n(y2)}" stroke="${stroke}" stroke-width="${n(width)}" stroke-linecap="round"${extra}/>`;

export const polygon = (points: readonly (readonly [number, number])[], fill: string, extra = '') =>
  `<polygon points="${points.map(([x, y]) => `${n(x)},${n(y)}`).join(' ')}" fill="${fill}"${extra}/>`;

export const path = (d: string, fill: string, extra = '') => `<path d="${d}" fill="${fill}"${extra}/>`;

/** A regular star or polygon: `points` outer corners, inner radius `inner`·r (1 = polygon). */
export function star(cx: number, cy: number, r: number, points: number, inner: number, rotation = 0) {
  const out: [number, number][] = [];
  const steps = inner === 1 ? points : points * 2;
  for (let i = 0; i < steps; i++) {
    const rr = inner === 1 || i % 2 === 0 ? r : r * inner;
    const a = rotation + (i * 2 * Math.PI) / steps - Math.PI / 2;
    out.push([cx + rr * Math.cos(a), cy + rr * Math.sin(a)]);
  }
  return out;
}

/** A closed blob: `k` corners at radius r·(1 ± jitter) around (cx, cy). */
export function blob(rng: Rng, cx: number, cy: number, rx: number, ry: number, k: number, jitter: number) {
  const out: [number, number][] = [];
  for (let i = 0; i < k; i++) {
    const a = (i * 2 * Math.PI) / k;
    const f = 1 + rng.range(-jitter, jitter);
    out.push([cx + rx * f * Math.cos(a), cy + ry * f * Math.sin(a)]);
  }
  return out;
}

/** A vertical two-stop linear gradient definition with the given id. */
export const vGradient = (id: string, top: string, bottom: string) =>
  `<linearGradient id="${id}" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${top}"/><stop offset="1" stop-color="${bottom}"/></linearGradient>`;
