/**
 * What a command may touch besides the file system: its output streams and working folder.
 * Tests pass a capturing IO and run commands in-process.
 */
export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  cwd: string;
  /** True when stderr is a terminal: progress bars are drawn only then. */
  isTTY: boolean;
}

export function processIO(): CliIO {
  return {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    cwd: process.cwd(),
    isTTY: Boolean(process.stderr.isTTY),
  };
}

/** An IO that records everything, for tests. */
export function memoryIO(cwd = process.cwd()): CliIO & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    cwd,
    isTTY: false,
    stdout: () => out,
    stderr: () => err,
  };
}
