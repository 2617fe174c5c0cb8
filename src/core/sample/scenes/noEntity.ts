/**
 * Scenes that show no entity: abstract patterns and food, the unrelated pictures of real posts.
 */
import type { Rng } from '../../random.js';
import { type Drawn, S } from './backdrop.js';
import { circle, ellipse, hsl, line, n, polygon, randomColor, rect } from './svg.js';

/** Stripes, overlapping shapes or a mosaic: the memes and filters of real posts. */
function abstract(rng: Rng): string {
  const parts = [rect(0, 0, S, S, randomColor(rng, [10, 90], [20, 90]))];
  const style = rng.int(3);
  if (style === 0) {
    const w = rng.range(6, 16);
    const c = randomColor(rng);
    for (let x = -S; x < 2 * S; x += w * 2)
      parts.push(
        polygon(
          [
            [x, 0],
            [x + w, 0],
            [x + w + S, S],
            [x + S, S],
          ],
          c,
          ' opacity="0.7"',
        ),
      );
  } else if (style === 1) {
    for (let i = 0, k = 4 + rng.int(6); i < k; i++) {
      parts.push(
        circle(
          rng.range(0, S),
          rng.range(0, S),
          rng.range(8, 30),
          randomColor(rng, [30, 90], [30, 80]),
          ` opacity="${n(rng.range(0.4, 0.9))}"`,
        ),
      );
    }
  } else {
    const cell = rng.pick([12, 16, 24]);
    for (let y = 0; y < S; y += cell)
      for (let x = 0; x < S; x += cell)
        if (rng.chance(0.5)) parts.push(rect(x, y, cell, cell, randomColor(rng)));
  }
  return parts.join('');
}

/** A plate of food on a table, seen from above. */
function food(rng: Rng): string {
  const parts = [rect(0, 0, S, S, hsl(rng.range(20, 40), rng.range(20, 50), rng.range(30, 65)))];
  const cx = rng.range(38, 58);
  const cy = rng.range(38, 58);
  parts.push(
    circle(cx, cy, 34, '#f0f0f0'),
    circle(cx, cy, 26, '#fafafa', ' stroke="#dddddd" stroke-width="1"'),
  );
  for (let i = 0, k = 3 + rng.int(6); i < k; i++) {
    parts.push(
      ellipse(
        cx + rng.range(-14, 14),
        cy + rng.range(-14, 14),
        rng.range(3, 9),
        rng.range(3, 7),
        hsl(rng.pick([0, 20, 40, 90, 120, 30]), rng.range(40, 80), rng.range(30, 60)),
      ),
    );
  }
  if (rng.chance(0.6)) parts.push(line(cx + 38, cy - 25, cx + 38, cy + 25, '#bbbbbb', 2.5));
  return parts.join('');
}

/** The scenes of this module, by kind. */
export const noEntity: Record<'abstract' | 'food', (rng: Rng) => Drawn> = { abstract, food };
