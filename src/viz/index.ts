/** mmner's views: chart specs, HTML builders and the static report page (browser-safe parts). */
export * from './charts/index.js';
export * from './html/index.js';
export * from './palette.js';
export * from './report/index.js';
