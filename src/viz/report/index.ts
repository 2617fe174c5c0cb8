/**
 * The browser-safe half of the static report: the model, the page builder and the default
 * charts. The Node half (rendering, heatmaps, writing) is imported from its `*.node.ts` files.
 */
export * from './build.js';
export * from './charts.js';
export * from './model.js';
export * from './sha256.js';
