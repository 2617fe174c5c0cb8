import type { Command } from '../command.js';
import { MmnerError } from '../../core/errors.js';

// Placeholder: replaced by the real command.
export const dataStats: Command = {
  name: 'data stats',
  summary: 'Counts per language, split and entity type',
  usage: 'Usage: mmner data stats',
  async run() {
    throw new MmnerError('E_NOT_IMPLEMENTED', 'mmner data stats is not implemented yet');
  },
};
