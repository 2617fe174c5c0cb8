import type { Command } from '../command.js';
import { MmnerError } from '../../core/errors.js';

// Placeholder: replaced by the real command.
export const dataSample: Command = {
  name: 'data sample',
  summary: 'Write the embedded multilingual multimodal sample dataset',
  usage: 'Usage: mmner data sample',
  async run() {
    throw new MmnerError('E_NOT_IMPLEMENTED', 'mmner data sample is not implemented yet');
  },
};
