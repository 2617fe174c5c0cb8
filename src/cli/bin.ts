/** Entry point of the bundled CLI (dist/cli.js). */
import { main } from './main.js';

// A closed pipe (`mmner score … | head`) is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`mmner: ${e?.stack ?? e}\n`);
    process.exitCode = 70;
  },
);
