/**
 * The browser-safe image API: preprocessing options, normalisation, blank images and the
 * decoded-image cache. Decoding files (sharp) is in preprocess.node.ts.
 */
export { type CacheStats, ImageCache, type ImageCacheOptions } from './cache.js';
export {
  blankImage,
  DEFAULT_PREPROCESS,
  IMAGENET_MEAN,
  IMAGENET_STD,
  imageLength,
  meanColour,
  normalize,
  normalizeInto,
  type PreprocessOptions,
  RESIZE_KERNELS,
  RESIZE_MODES,
  type ResizeKernel,
  type ResizeMode,
  resolvePreprocess,
  toRgb,
} from './options.js';
