/**
 * A CLI command: a name of one or more words (`data validate`), a usage text, and `run`, which
 * returns the exit code. User errors are thrown as MmnerError and printed by main.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { MmnerError } from '../core/errors.js';
import type { CliIO } from './io.js';

export interface Command {
  /** Words after `mmner`, e.g. `data validate`. */
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Full help: usage line, options, an example. */
  usage: string;
  run(argv: string[], io: CliIO): Promise<number>;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * parseArgs with errors a user can act on: an unknown or malformed option names the command's
 * `--help`.
 */
export function parseCommandArgs<O extends Options>(command: string, argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new MmnerError('E_USAGE', (e as Error).message, { hint: `See: mmner ${command} --help` });
  }
}

/** Parses an integer option, with a clear error. */
export function intOption(
  command: string,
  name: string,
  value: string | undefined,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n)) {
    throw new MmnerError('E_USAGE', `--${name} must be an integer, got '${value}'`, {
      hint: `See: mmner ${command} --help`,
    });
  }
  return n;
}

/** Checks that an option's value is one of a closed set. */
export function choiceOption<T extends string>(
  command: string,
  name: string,
  value: string | undefined,
  choices: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (!(choices as readonly string[]).includes(value)) {
    throw new MmnerError('E_USAGE', `--${name} must be one of ${choices.join(', ')}; got '${value}'`, {
      hint: `See: mmner ${command} --help`,
    });
  }
  return value as T;
}

/** Commands that take options only: a stray word is a usage error. */
export function noPositionals(command: string, positionals: readonly string[]): void {
  if (positionals.length > 0) {
    throw new MmnerError('E_USAGE', `unexpected argument '${positionals[0]}'`, {
      hint: `See: mmner ${command} --help`,
    });
  }
}

/** The value of a required option, or a usage error naming it. */
export function required(command: string, name: string, value: string | undefined): string {
  if (value === undefined) {
    throw new MmnerError('E_USAGE', `--${name} is required`, { hint: `See: mmner ${command} --help` });
  }
  return value;
}
