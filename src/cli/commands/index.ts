/** Every CLI command, in the order `mmner --help` lists them. */
import type { Command } from '../command.js';
import { dataOverlap } from './dataOverlap.js';
import { dataSample } from './dataSample.js';
import { dataStats } from './dataStats.js';
import { dataValidate } from './dataValidate.js';
import { score } from './score.js';

export const COMMANDS: readonly Command[] = [dataSample, dataStats, dataValidate, dataOverlap, score];
