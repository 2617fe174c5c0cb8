/** Tag schemes (IOB1, IOB2, BIOES): tag syntax, span reading/writing, conversion and checks. */
export * from './check.js';
export * from './spans.js';
export * from './tags.js';
