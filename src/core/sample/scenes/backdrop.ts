/**
 * What every scene shares: the image size, indoor backgrounds, skies, the placement of the main
 * object (shift, scale, mirror, tilt) and scattered clutter.
 */
import type { Rng } from '../../random.js';
import { circle, ellipse, hsl, line, n, polygon, randomColor, rect, vGradient } from './svg.js';

/** Width and height of every sample image, in pixels. */
export const IMAGE_SIZE = 96;
export const S = IMAGE_SIZE;

/** A drawn scene: SVG elements, with gradient definitions when it has any. */
export type Drawn = string | { svg: string; defs: string };

/** Plain, two-tone (wall + floor) or soft-bokeh backgrounds, shared by all indoor-ish kinds. */
export function background(rng: Rng): string {
  const base = hsl(rng.range(0, 360), rng.range(5, 55), rng.range(35, 92));
  const parts = [rect(0, 0, S, S, base)];
  const style = rng.int(3);
  if (style === 1) {
    const y = rng.range(55, 80);
    parts.push(rect(0, y, S, S - y, hsl(rng.range(0, 360), rng.range(5, 40), rng.range(20, 70))));
  } else if (style === 2) {
    for (let i = 0, k = 3 + rng.int(5); i < k; i++) {
      parts.push(
        circle(
          rng.range(0, S),
          rng.range(0, S),
          rng.range(6, 18),
          randomColor(rng, [10, 60], [50, 95]),
          ` opacity="${n(rng.range(0.2, 0.5))}"`,
        ),
      );
    }
  }
  return parts.join('');
}

export type SkyTime = 'day' | 'sunset' | 'night' | 'overcast';

/** A sky gradient down to the horizon, with sun or moon, clouds or stars. */
export function sky(rng: Rng, horizon: number): { svg: string; defs: string; time: SkyTime } {
  const time = rng.weighted<SkyTime>(['day', 'sunset', 'night', 'overcast'], [5, 2, 1.5, 1.5]);
  const [top, bottom] =
    time === 'day'
      ? [
          hsl(rng.range(200, 220), rng.range(50, 80), rng.range(45, 62)),
          hsl(rng.range(190, 210), 60, rng.range(75, 90)),
        ]
      : time === 'sunset'
        ? [hsl(rng.range(250, 290), 40, rng.range(30, 45)), hsl(rng.range(15, 45), 85, rng.range(55, 70))]
        : time === 'night'
          ? [hsl(230, 40, rng.range(6, 14)), hsl(225, 35, rng.range(20, 30))]
          : [hsl(210, 8, rng.range(55, 65)), hsl(210, 8, rng.range(75, 85))];
  const parts = [rect(0, 0, S, horizon + 2, 'url(#sky)')];
  if (time !== 'overcast') {
    const color =
      time === 'night' ? '#f4f1d0' : time === 'sunset' ? hsl(rng.range(20, 45), 95, 60) : '#fff3b0';
    parts.push(circle(rng.range(10, 86), rng.range(8, horizon - 8), rng.range(4, 9), color));
  }
  if (time === 'night') {
    for (let i = 0, k = 5 + rng.int(10); i < k; i++)
      parts.push(circle(rng.range(0, S), rng.range(0, horizon), 0.6, '#ffffff'));
  } else {
    for (let i = 0, k = rng.int(4); i < k; i++) {
      const cx = rng.range(0, S);
      const cy = rng.range(5, horizon - 5);
      const w = rng.range(6, 14);
      const c = time === 'overcast' ? '#dfe3e6' : '#ffffff';
      parts.push(
        ellipse(cx, cy, w, w * 0.4, c, ' opacity="0.85"'),
        ellipse(cx + w * 0.5, cy - 2, w * 0.6, w * 0.4, c, ' opacity="0.85"'),
      );
    }
  }
  return { svg: parts.join(''), defs: vGradient('sky', top, bottom), time };
}

/** Transform for a main object drawn around (48, 48): shift, scale, optional mirror and tilt. */
export function placement(rng: Rng, shift: number, scale: [number, number], tilt = 0): string {
  const dx = rng.range(-shift, shift);
  const dy = rng.range(-shift, shift) * 0.6;
  const s = rng.range(scale[0], scale[1]);
  const mirror = rng.chance(0.5) ? -1 : 1;
  const r = tilt ? rng.range(-tilt, tilt) : 0;
  return `translate(${n(48 + dx)} ${n(48 + dy)}) rotate(${n(r)}) scale(${n(s * mirror)} ${n(s)}) translate(-48 -48)`;
}

/** Small shapes scattered over the picture: the clutter of real photos. */
export function clutter(rng: Rng, count: number): string {
  const parts: string[] = [];
  for (let i = 0; i < count; i++) {
    const x = rng.range(0, S);
    const y = rng.range(0, S);
    const c = randomColor(rng, [0, 90], [10, 95]);
    const o = ` opacity="${n(rng.range(0.4, 1))}"`;
    const k = rng.int(4);
    if (k === 0) parts.push(circle(x, y, rng.range(1, 4), c, o));
    else if (k === 1) parts.push(rect(x, y, rng.range(2, 7), rng.range(2, 7), c, o));
    else if (k === 2)
      parts.push(
        polygon(
          [
            [x, y],
            [x + rng.range(2, 7), y + rng.range(-3, 3)],
            [x + rng.range(-3, 3), y + rng.range(2, 7)],
          ],
          c,
          o,
        ),
      );
    else parts.push(line(x, y, x + rng.range(-8, 8), y + rng.range(-8, 8), c, rng.range(0.6, 1.6), o));
  }
  return parts.join('');
}
