/** A fake kernel process for the host's tests: speaks the kernel protocol without running code. */

/**
 * A fake kernel: the cell's code names what it does. `echo` displays, updates, streams and
 * returns; `fail` raises; `slow` waits and honours interrupt; `hang` spins synchronously;
 * `crash` exits; `cwd` prints its working directory; `backend` prints MMNER_BACKEND in two
 * stream messages.
 */
export const FAKE_KERNEL = `
let timer;
const reply = (m) => process.send(m);
process.on('message', (m) => {
  if (m.type === 'interrupt') {
    if (timer) { clearTimeout(timer.handle); reply({ type: 'done', id: timer.id, status: 'interrupted' }); timer = undefined; }
    return;
  }
  if (m.type === 'shutdown' && !process.env.FAKE_KERNEL_STUBBORN) process.exit(0);
  if (m.type !== 'execute') return;
  const { id, code } = m;
  if (code === 'echo') {
    reply({ type: 'display', id, outputId: 'o1', items: [{ mime: 'text/plain', data: 'first' }] });
    reply({ type: 'display', id, outputId: 'o1', update: true, items: [{ mime: 'image/png', data: 'iVBORw0K', encoding: 'base64' }] });
    reply({ type: 'stream', id, name: 'stdout', text: 'out\\n' });
    reply({ type: 'stream', id, name: 'stderr', text: 'err\\n' });
    reply({ type: 'display', id: 'x999', outputId: 'o9', items: [] });
    reply({ type: 'bogus' });
    reply({ type: 'done', id, status: 'ok', result: [{ mime: 'text/plain', data: String(m.cellName) }] });
  } else if (code === 'fail') {
    reply({ type: 'error', id, name: 'TypeError', message: 'x is not a function', stack: 'TypeError: x\\n    at Cell 1:2' });
    reply({ type: 'done', id, status: 'error' });
  } else if (code === 'slow') {
    timer = { id, handle: setTimeout(() => reply({ type: 'done', id, status: 'ok' }), 30000) };
  } else if (code === 'hang') {
    for (;;) {}
  } else if (code === 'crash') {
    process.stderr.write('fatal: out of memory\\n');
    process.exit(3);
  } else if (code === 'cwd') {
    reply({ type: 'stream', id, name: 'stdout', text: process.cwd() + ' ' + process.env.MMNER_TEST });
    reply({ type: 'done', id, status: 'ok' });
  } else if (code === 'backend') {
    reply({ type: 'stream', id, name: 'stdout', text: 'a ' });
    reply({ type: 'stream', id, name: 'stdout', text: 'backend ' + process.env.MMNER_BACKEND });
    reply({ type: 'done', id, status: 'ok' });
  } else {
    reply({ type: 'done', id, status: 'ok' });
  }
});
process.stderr.write('kernel booting\\n');
reply({ type: 'ready', pid: process.pid, version: '0.0.0-test', backend: 'cpu' });
`;
