/**
 * `mmner`: finds the command named by the leading words of argv and runs it. MmnerErrors are
 * printed as `mmner: file:line: message` with exit code 2; anything else is a bug and shows its
 * stack.
 */
import { isMmnerError } from '../core/errors.js';
import type { Command } from './command.js';
import { COMMANDS } from './commands/index.js';
import { type CliIO, processIO } from './io.js';

export const VERSION = '0.1.0';

export function findCommand(argv: string[], commands: readonly Command[] = COMMANDS) {
  let best: Command | undefined;
  for (const c of commands) {
    const words = c.name.split(' ');
    if (words.every((w, i) => argv[i] === w) && (!best || words.length > best.name.split(' ').length)) {
      best = c;
    }
  }
  return best ? { command: best, rest: argv.slice(best.name.split(' ').length) } : undefined;
}

export function helpText(commands: readonly Command[] = COMMANDS, prefix = ''): string {
  const shown = commands.filter((c) => c.name.startsWith(prefix));
  const width = Math.max(...shown.map((c) => c.name.length));
  return [
    'mmner — multilingual multimodal named entity recognition (2M-NER)',
    '',
    'Usage: mmner <command> [options]',
    '',
    'Commands:',
    ...shown.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `mmner <command> --help` for the options of a command.',
    '',
  ].join('\n');
}

export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.out(helpText());
    return 0;
  }
  if (argv[0] === '--version' || argv[0] === '-v') {
    io.out(`${VERSION}\n`);
    return 0;
  }
  const found = findCommand(argv);
  if (!found) {
    // `mmner data` alone lists the data commands.
    const group = COMMANDS.filter((c) => c.name.startsWith(`${argv[0]} `));
    if (group.length > 0 && (argv.length === 1 || argv[1]?.startsWith('-'))) {
      io.out(helpText(COMMANDS, `${argv[0]} `));
      return argv.length === 1 ? 2 : 0;
    }
    io.err(`mmner: unknown command '${argv.join(' ')}'\n\n${helpText()}`);
    return 2;
  }
  if (found.rest.includes('--help') || found.rest.includes('-h')) {
    io.out(`${found.command.usage.trimEnd()}\n`);
    return 0;
  }
  try {
    return await found.command.run(found.rest, io);
  } catch (e) {
    if (isMmnerError(e)) {
      io.err(`mmner: ${e.message}\n`);
      return 2;
    }
    io.err(
      `mmner: internal error (please report it with the command you ran):\n${(e as Error)?.stack ?? e}\n`,
    );
    return 70;
  }
}
