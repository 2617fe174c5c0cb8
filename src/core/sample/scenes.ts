/**
 * The picture posted with each sample sentence, as an SVG string: a scene whose kind follows
 * the entity type of the sentence's key entity (a person for PER, a landscape, skyline or map
 * for LOC, a logo or branded building for ORG, a product for MISC), with background, position,
 * scale, colour and clutter drawn at random so that no single pixel tells the type.
 */

import type { Rng } from '../random.js';
import type { EntityType } from '../types.js';
import { clutter, type Drawn, IMAGE_SIZE, S } from './scenes/backdrop.js';
import { brands } from './scenes/brands.js';
import { noEntity } from './scenes/noEntity.js';
import { people } from './scenes/people.js';
import { places } from './scenes/places.js';
import { products } from './scenes/products.js';
import { n, rect } from './scenes/svg.js';

export { IMAGE_SIZE };

/** Scene kinds that depict an entity of each type. */
export const SCENE_KINDS = {
  PER: ['portrait', 'figure'],
  LOC: ['landscape', 'skyline', 'map'],
  ORG: ['logo', 'storefront', 'tower'],
  MISC: ['bottle', 'phone', 'car', 'shoe', 'trophy', 'ball'],
} as const satisfies Record<EntityType, readonly string[]>;

/** Scenes that depict no entity: used for unrelated images and sentences without entities. */
export const UNRELATED_KINDS = ['abstract', 'food'] as const;

export type EntitySceneKind = (typeof SCENE_KINDS)[EntityType][number];
export type SceneKind = EntitySceneKind | (typeof UNRELATED_KINDS)[number];

/** The entity type a scene kind depicts, or null for abstract/food scenes. */
export function sceneType(kind: SceneKind): EntityType | null {
  for (const [type, kinds] of Object.entries(SCENE_KINDS)) {
    if ((kinds as readonly string[]).includes(kind)) return type as EntityType;
  }
  return null;
}

const DRAW: Record<SceneKind, (rng: Rng) => Drawn> = {
  ...people,
  ...places,
  ...brands,
  ...products,
  ...noEntity,
};

/** The scene kinds in a stable order (tests and the contact sheet iterate over them). */
export const ALL_SCENE_KINDS = Object.keys(DRAW) as SceneKind[];

/** The full SVG document of one scene; the same kind and stream always give the same text. */
export function sceneSvg(kind: SceneKind, rng: Rng): string {
  const drawn = DRAW[kind](rng);
  const { svg, defs } = typeof drawn === 'string' ? { svg: drawn, defs: '' } : drawn;
  const scatter = clutter(rng, 2 + rng.int(7));
  // A light or dark veil varies exposure, as photos do.
  const veil = rng.chance(0.5)
    ? rect(0, 0, S, S, rng.chance(0.5) ? '#000000' : '#ffffff', ` opacity="${n(rng.range(0, 0.25))}"`)
    : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${S}" height="${S}" viewBox="0 0 ${S} ${S}">${defs ? `<defs>${defs}</defs>` : ''}${svg}${scatter}${veil}</svg>`;
}
