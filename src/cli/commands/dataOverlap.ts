import type { Command } from '../command.js';
import { MmnerError } from '../../core/errors.js';

// Placeholder: replaced by the real command.
export const dataOverlap: Command = {
  name: 'data overlap',
  summary: 'Report sentences shared between two files or splits (contamination check)',
  usage: 'Usage: mmner data overlap',
  async run() {
    throw new MmnerError('E_NOT_IMPLEMENTED', 'mmner data overlap is not implemented yet');
  },
};
