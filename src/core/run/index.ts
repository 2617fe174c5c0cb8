/**
 * Run-directory vocabulary that is browser-safe: event types and reader, safe names. The Node
 * file I/O lives in `atomicWrite.node.ts` and `runDir.node.ts`.
 */

export * from './analysis.js';
export * from './evalFile.js';
export * from './events.js';
export * from './inspect.js';
export * from './names.js';
