/** Entity scoring: conlleval.pl-exact and strict (seqeval-style), streaming, browser-safe. */
export * from './conlleval.js';
export * from './conllevalInput.js';
export * from './counter.js';
export * from './perlFormat.js';
export * from './report.js';
export * from './result.js';
export * from './score.js';
export * from './strict.js';
export * from './tagFiles.js';
