import type { Command } from '../command.js';
import { MmnerError } from '../../core/errors.js';

// Placeholder: replaced by the real command.
export const dataValidate: Command = {
  name: 'data validate',
  summary: 'List every problem in a dataset file or manifest',
  usage: 'Usage: mmner data validate',
  async run() {
    throw new MmnerError('E_NOT_IMPLEMENTED', 'mmner data validate is not implemented yet');
  },
};
