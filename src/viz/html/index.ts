/** The HTML builders: pure functions from run artifacts to escaped markup (see escape.ts). */
export * from './attentionViewer.js';
export * from './errorTable.js';
export * from './escape.js';
export * from './metricsTable.js';
export * from './misalignedTable.js';
export * from './sentenceViewer.js';
export * from './styles.js';
export * from './tokens.js';
