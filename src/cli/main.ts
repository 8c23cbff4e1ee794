// Entry of bin/flink (bundled to dist/cli.cjs). The only place that sets process.exitCode.
import { runCli } from './app.js';
import { interrupted, releaseOnInterrupt } from './interrupt.js';
import { createSystemIO } from './io.js';
import { finishOutput } from './output/export.js';

process.exitCode = 1; // crash guard: stays 1 if anything below throws before we set the real code
const io = createSystemIO();
// `flink list | head`: a reader that went away is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}
// Ctrl-C and SIGTERM stop a waiting command at once, with a note that the operation may still complete.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    const { lines, code } = interrupted(signal);
    process.stderr.write('\n' + lines.join('\n') + '\n');
    // With --json a script still gets its one document, saying why it ended.
    finishOutput(io, { kind: signal === 'SIGINT' ? 'interrupted' : 'terminated', message: lines.join(' '), exitCode: code });
    process.exitCode = code;
    // Leases this run holds in a store are deleted first (bounded), so other hosts need not wait for expiry.
    void releaseOnInterrupt().finally(() => process.exit(code));
  });
}
// No top-level await: the bundle is CommonJS (a CommonJS entry starts faster than an ES module).
void runCli(process.argv.slice(2), { io, env: process.env, cwd: process.cwd() }).then((code) => {
  process.exitCode = code;
  // The answer is given: a request abandoned at a deadline (a hung status poll) must not hold the exit up.
  setTimeout(() => process.exit(), 1000).unref();
});
