/** Options several commands share, parsed one way. */
import { BACKEND_NAMES, type BackendName } from '../train/backends.js';
import { choiceOption } from './command.js';

/** `--backend`: wasm (default), cpu, webgpu, tensorflow or auto. */
export function backendOption(command: string, value: string | undefined): BackendName | 'auto' {
  return choiceOption<BackendName | 'auto'>(command, 'backend', value, [...BACKEND_NAMES, 'auto'], 'wasm');
}
