import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { Rng } from '../../../src/core/random.js';
import { renderScenePng } from '../../../src/core/sample/render.node.js';
import { hsl, n } from '../../../src/core/sample/scenes/svg.js';
import {
  ALL_SCENE_KINDS,
  IMAGE_SIZE,
  SCENE_KINDS,
  type SceneKind,
  sceneSvg,
  sceneType,
} from '../../../src/core/sample/scenes.js';

test('svg helpers write short, fixed numbers and exact colours', () => {
  assert.equal(n(1.26), '1.3');
  assert.equal(n(-0.01), '0');
  assert.equal(n(12), '12');
  assert.equal(hsl(0, 100, 50), '#ff0000');
  assert.equal(hsl(120, 100, 25), '#008000');
  assert.equal(hsl(240, 0, 100), '#ffffff');
});

test('every kind gives a complete SVG without text, the same for the same stream', () => {
  for (const kind of ALL_SCENE_KINDS) {
    for (let i = 0; i < 20; i++) {
      const svg = sceneSvg(kind, new Rng(`k/${kind}/${i}`));
      assert.equal(svg, sceneSvg(kind, new Rng(`k/${kind}/${i}`)));
      assert.match(svg, /^<svg [^>]*width="96" height="96"[^>]*>.*<\/svg>$/s);
      assert.doesNotMatch(svg, /NaN|undefined|Infinity|<text/, `${kind} ${i}`);
    }
  }
  assert.notEqual(sceneSvg('car', new Rng(1)), sceneSvg('car', new Rng(2)));
});

test('scene kinds map to their types; abstract and food to none', () => {
  for (const [type, kinds] of Object.entries(SCENE_KINDS))
    for (const k of kinds) assert.equal(sceneType(k), type);
  assert.equal(sceneType('abstract'), null);
  assert.equal(sceneType('food'), null);
});

/** 12×12 RGB, standardised per image so that overall brightness tells nothing. */
async function features(kind: SceneKind, key: string): Promise<Float64Array> {
  const png = await renderScenePng(sceneSvg(kind, new Rng(key)));
  const { data } = await sharp(png)
    .resize(12, 12, { kernel: 'cubic' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const v = Float64Array.from(data, (x) => x / 255);
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length) + 1e-6;
  return v.map((x) => (x - mean) / sd);
}

test('rendered images are RGB of the stated size', async () => {
  const png = await renderScenePng(sceneSvg('portrait', new Rng(1)));
  const meta = await sharp(png).metadata();
  assert.equal(meta.format, 'png');
  assert.deepEqual([meta.width, meta.height, meta.channels], [IMAGE_SIZE, IMAGE_SIZE, 3]);
  assert.ok(png.length < 8000, `${png.length} bytes`);
});

test('the image tells the type: a nearest-centroid classifier on 12×12 pixels beats chance by far', async (t) => {
  // One centroid per scene kind from training images; held-out images are classified by the
  // type of their nearest centroid. Chance is 25 %; a CNN does far better than this.
  const centroids = new Map<SceneKind, Float64Array>();
  for (const kind of ALL_SCENE_KINDS.filter((k) => sceneType(k) !== null)) {
    const c = new Float64Array(12 * 12 * 3);
    const count = 12;
    for (let i = 0; i < count; i++) {
      const f = await features(kind, `train/${kind}/${i}`);
      for (let j = 0; j < f.length; j++) c[j]! += f[j]! / count;
    }
    centroids.set(kind, c);
  }
  let right = 0;
  let total = 0;
  for (const [type, kinds] of Object.entries(SCENE_KINDS)) {
    for (let i = 0; i < 48; i++) {
      const kind = kinds[i % kinds.length] as SceneKind;
      const f = await features(kind, `test/${kind}/${i}`);
      let best: SceneKind | undefined;
      let bestD = Number.POSITIVE_INFINITY;
      for (const [k, c] of centroids) {
        const d = f.reduce((a, x, j) => a + (x - c[j]!) ** 2, 0);
        if (d < bestD) [best, bestD] = [k, d];
      }
      if (sceneType(best!) === type) right++;
      total++;
    }
  }
  const accuracy = right / total;
  t.diagnostic(
    `nearest-centroid type accuracy on ${total} held-out images: ${accuracy.toFixed(2)} (chance 0.25)`,
  );
  assert.ok(accuracy > 0.45, `accuracy ${accuracy}`);
  assert.ok(accuracy < 0.95, `accuracy ${accuracy}: the images are trivially separable`);
});
