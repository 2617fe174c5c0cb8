/** Every CLI command, in the order `mmner --help` lists them. */
import type { Command } from '../command.js';
import { dataOverlap } from './dataOverlap.js';
import { dataSample } from './dataSample.js';
import { dataStats } from './dataStats.js';
import { dataValidate } from './dataValidate.js';
import { evaluate } from './evaluate.js';
import { exportCommand } from './export.js';
import { modelsDownload } from './models.js';
import { predict } from './predict.js';
import { report } from './report.js';
import { score } from './score.js';
import { train } from './train.js';

export const COMMANDS: readonly Command[] = [
  train,
  evaluate,
  predict,
  exportCommand,
  report,
  dataSample,
  dataStats,
  dataValidate,
  dataOverlap,
  modelsDownload,
  score,
];
