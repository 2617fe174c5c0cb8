/**
 * Contrastive alignment for 2M-NER: projection heads into a shared space, and NT-Xent or
 * CLIP-style InfoNCE losses at sentence or token level, chosen by `ContrastiveConfig`.
 */
export * from './config.js';
export * from './losses.js';
export * from './projection.js';
export * from './similarity.js';
