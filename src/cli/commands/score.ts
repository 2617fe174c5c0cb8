import type { Command } from '../command.js';
import { MmnerError } from '../../core/errors.js';

// Placeholder: replaced by the real command.
export const score: Command = {
  name: 'score',
  summary: 'Score predictions exactly as conlleval does (or strict IOB2)',
  usage: 'Usage: mmner score',
  async run() {
    throw new MmnerError('E_NOT_IMPLEMENTED', 'mmner score is not implemented yet');
  },
};
