/**
 * LOC scenes: landscapes (mountains, hills, lake, beach, forest with a river), city skylines
 * and maps with a pin.
 */
import type { Rng } from '../../random.js';
import { type Drawn, S, sky } from './backdrop.js';
import { blob, circle, hsl, line, n, path, polygon, rect } from './svg.js';

function hillsPath(rng: Rng, baseY: number, amp: number, bumps: number): string {
  let d = `M0 ${n(baseY)}`;
  const step = S / bumps;
  for (let i = 0; i < bumps; i++) {
    d += `Q${n(step * i + step / 2)} ${n(baseY - rng.range(0.3, 1) * amp)} ${n(step * (i + 1))} ${n(baseY + rng.range(-2, 2))}`;
  }
  return `${d}L${S} ${S}L0 ${S}Z`;
}

/** Mountains, hills, lake, beach or forest with a river, under a sky. */
function landscape(rng: Rng): { svg: string; defs: string } {
  const horizon = rng.range(38, 62);
  const { svg: skySvg, defs, time } = sky(rng, horizon);
  const dark = time === 'night' ? -25 : 0;
  const parts = [skySvg];
  const variant = rng.int(5);
  if (variant === 0) {
    for (let layer = 0; layer < 2; layer++) {
      const peaks: [number, number][] = [[0, horizon + 4]];
      let x = -rng.range(0, 20);
      while (x < S + 20) {
        const w = rng.range(18, 36);
        const h = rng.range(14, 34) * (layer === 0 ? 1 : 0.6);
        peaks.push([x + w / 2, horizon - h + layer * 8], [x + w, horizon + 4]);
        x += w * rng.range(0.6, 1);
      }
      peaks.push([S, S], [0, S]);
      parts.push(
        polygon(peaks, hsl(rng.range(200, 260), rng.range(5, 25), rng.range(35, 60) - layer * 15 + dark)),
      );
      if (layer === 0) {
        for (let i = 1; i < peaks.length - 2; i += 2) {
          const [px, py] = peaks[i]!;
          if (py < horizon - 18)
            parts.push(
              polygon(
                [
                  [px, py],
                  [px - 4, py + 6],
                  [px + 4, py + 6],
                ],
                '#f2f4f7',
              ),
            );
        }
      }
    }
    parts.push(
      rect(0, horizon + 18, S, S, hsl(rng.range(80, 130), rng.range(25, 55), rng.range(25, 45) + dark)),
    );
  } else if (variant === 1 || variant === 4) {
    for (let layer = 0; layer < 3; layer++) {
      parts.push(
        path(
          hillsPath(rng, horizon + layer * 12, rng.range(6, 16), 2 + rng.int(3)),
          hsl(rng.range(70, 140), rng.range(30, 60), rng.range(45, 30) - layer * 6 + dark),
        ),
      );
    }
    if (variant === 4) {
      // A river winding from the foreground to the horizon, trees along it.
      const x0 = rng.range(20, 76);
      parts.push(
        path(
          `M${n(x0 - 14)} ${S}Q${n(x0 + rng.range(-25, 25))} ${n(horizon + 20)} ${n(x0 + rng.range(-8, 8))} ${n(horizon + 2)}L${n(x0 + 2)} ${n(horizon + 2)}Q${n(x0 + rng.range(-20, 30))} ${n(horizon + 20)} ${n(x0 + 14)} ${S}Z`,
          hsl(rng.range(195, 215), 55, rng.range(45, 60) + dark),
        ),
      );
      for (let i = 0, k = 4 + rng.int(8); i < k; i++) {
        const tx = rng.range(0, S);
        const ty = rng.range(horizon + 4, S - 4);
        parts.push(
          circle(
            tx,
            ty,
            rng.range(3, 7) * (ty / S + 0.3),
            hsl(rng.range(90, 140), 45, rng.range(18, 32) + dark),
          ),
        );
      }
    }
  } else {
    // Water up to the horizon: a lake or the sea, with a beach for variant 3.
    parts.push(
      rect(0, horizon, S, S - horizon, hsl(rng.range(190, 215), rng.range(45, 75), rng.range(35, 55) + dark)),
    );
    for (let i = 0, k = 4 + rng.int(6); i < k; i++) {
      const y = rng.range(horizon + 3, S);
      const x = rng.range(0, S - 10);
      parts.push(line(x, y, x + rng.range(4, 14), y, '#ffffff', 0.8, ' opacity="0.6"'));
    }
    if (variant === 3) {
      const beachY = rng.range(70, 85);
      parts.push(
        path(
          `M0 ${n(beachY)}Q48 ${n(beachY - rng.range(-6, 8))} 96 ${n(beachY + rng.range(-5, 5))}L96 96L0 96Z`,
          hsl(rng.range(38, 48), rng.range(45, 70), rng.range(65, 80) + dark),
        ),
      );
      if (rng.chance(0.6)) {
        const px = rng.range(10, 86);
        parts.push(line(px, beachY + 4, px + 4, beachY - 26, '#6b4a2b', 2.5));
        for (let k = 0; k < 4; k++) {
          const a = (k / 4) * Math.PI * 2;
          parts.push(
            line(
              px + 4,
              beachY - 26,
              px + 4 + Math.cos(a) * 11,
              beachY - 26 + Math.sin(a) * 5 + 3,
              hsl(110, 50, 30),
              2.2,
            ),
          );
        }
      }
    } else {
      // Far shore: a thin band of hills on the horizon.
      parts.push(
        path(
          `M0 ${n(horizon + 1)}Q${n(rng.range(10, 40))} ${n(horizon - rng.range(3, 10))} ${n(rng.range(45, 60))} ${n(horizon)}Q${n(rng.range(65, 85))} ${n(horizon - rng.range(3, 10))} 96 ${n(horizon + 1)}Z`,
          hsl(rng.range(80, 140), 35, rng.range(25, 40) + dark),
        ),
      );
    }
  }
  return { svg: parts.join(''), defs };
}

/** A row of buildings with lit windows against the sky, sometimes over water. */
function skyline(rng: Rng): { svg: string; defs: string } {
  const ground = rng.range(66, 88);
  const { svg: skySvg, defs, time } = sky(rng, ground);
  const parts = [skySvg];
  const lit = time === 'night' || time === 'sunset' ? '#f7d774' : hsl(200, 40, rng.range(75, 88));
  let x = -rng.range(0, 6);
  while (x < S) {
    const w = rng.range(7, 17);
    const h = rng.range(14, ground - 12);
    const shade = time === 'night' ? rng.range(8, 20) : rng.range(25, 55);
    parts.push(rect(x, ground - h, w, h, hsl(rng.range(200, 240), rng.range(5, 20), shade)));
    if (rng.chance(0.15))
      parts.push(line(x + w / 2, ground - h, x + w / 2, ground - h - rng.range(5, 12), '#555555', 1));
    for (let wy = ground - h + 3; wy < ground - 3; wy += 4) {
      for (let wx = x + 2; wx < x + w - 2; wx += 3.5) {
        if (rng.chance(0.55)) parts.push(rect(wx, wy, 1.6, 1.8, lit));
      }
    }
    x += w + rng.range(-1, 2);
  }
  parts.push(
    rect(
      0,
      ground,
      S,
      S - ground,
      rng.chance(0.5) ? hsl(rng.range(195, 220), 45, rng.range(20, 40)) : hsl(0, 0, rng.range(20, 40)),
    ),
  );
  return { svg: parts.join(''), defs };
}

/** A map: sea, a land mass with borders, roads, towns and a pin. */
function map(rng: Rng): string {
  const sea = hsl(rng.range(190, 215), rng.range(35, 70), rng.range(72, 88));
  const landColor = hsl(rng.range(40, 120), rng.range(25, 55), rng.range(70, 85));
  const parts = [rect(0, 0, S, S, sea)];
  if (rng.chance(0.5)) {
    for (let g = 16; g < S; g += 16)
      parts.push(
        line(g, 0, g, S, '#ffffff', 0.5, ' opacity="0.6"'),
        line(0, g, S, g, '#ffffff', 0.5, ' opacity="0.6"'),
      );
  }
  const cx = rng.range(35, 61);
  const cy = rng.range(35, 61);
  parts.push(
    polygon(
      blob(rng, cx, cy, rng.range(28, 44), rng.range(24, 40), 16 + rng.int(8), 0.25),
      landColor,
      ` stroke="${hsl(30, 30, 45)}" stroke-width="1"`,
    ),
  );
  if (rng.chance(0.5))
    parts.push(
      polygon(
        blob(rng, rng.range(0, S), rng.range(0, S), rng.range(6, 14), rng.range(5, 12), 9, 0.3),
        landColor,
        ` stroke="${hsl(30, 30, 45)}" stroke-width="1"`,
      ),
    );
  for (let i = 0, k = 1 + rng.int(3); i < k; i++) {
    parts.push(
      line(
        cx + rng.range(-30, 30),
        cy + rng.range(-30, 30),
        cx + rng.range(-30, 30),
        cy + rng.range(-30, 30),
        '#8a6d5a',
        0.8,
        ' stroke-dasharray="2 1.5"',
      ),
    );
  }
  for (let i = 0, k = 1 + rng.int(3); i < k; i++) {
    parts.push(
      path(
        `M${n(cx + rng.range(-35, 35))} ${n(cy + rng.range(-35, 35))}Q${n(cx + rng.range(-20, 20))} ${n(cy + rng.range(-20, 20))} ${n(cx + rng.range(-35, 35))} ${n(cy + rng.range(-35, 35))}`,
        'none',
        ` stroke="${rng.pick(['#e08a2e', '#ffffff', '#c44'])}" stroke-width="1.3"`,
      ),
    );
  }
  for (let i = 0, k = 2 + rng.int(4); i < k; i++)
    parts.push(circle(cx + rng.range(-25, 25), cy + rng.range(-25, 25), 1.4, '#333333'));
  const px = cx + rng.range(-15, 15);
  const py = cy + rng.range(-15, 10);
  const pin = hsl(rng.pick([0, 5, 350, 210, 130]), 75, 48);
  parts.push(
    path(
      `M${n(px)} ${n(py)}C${n(px - 4)} ${n(py - 6)} ${n(px - 7)} ${n(py - 9)} ${n(px - 7)} ${n(py - 13)}A7 7 0 1 1 ${n(px + 7)} ${n(py - 13)}C${n(px + 7)} ${n(py - 9)} ${n(px + 4)} ${n(py - 6)} ${n(px)} ${n(py)}Z`,
      pin,
    ),
    circle(px, py - 13, 2.6, '#ffffff'),
  );
  return parts.join('');
}

/** The scenes of this module, by kind. */
export const places: Record<'landscape' | 'skyline' | 'map', (rng: Rng) => Drawn> = {
  landscape,
  skyline,
  map,
};
