/** The vega-lite spec builders: pure functions from run artifacts to specs with inline data. */
export * from './alignment.js';
export * from './common.js';
export * from './compare.js';
export * from './confusion.js';
export * from './errorCounts.js';
export * from './languageScores.js';
export * from './trainingCurves.js';
