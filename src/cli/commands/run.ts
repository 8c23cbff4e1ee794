// `flink run [-s <path>] [-n] [-cm claim|no_claim] [-rm ...] [-d] [-p N] [-c <class>] <job module or jar> [args...]`
import type { Command } from 'commander';
import type { CommandModule } from '../program.js';
import { parseRunArgs, runRun, type RawRunOptions } from '../services/run-job.js';

export const runCommand: CommandModule = {
  name: 'run',
  register(program, deps) {
    return program
      .command('run')
      .argument('[job]', 'job module (.js, .mjs, .ts) or jar')
      .argument('[args...]', 'arguments of the job')
      .option('-s, --fromSavepoint <path>', 'restore from this savepoint or retained checkpoint (directory or its _metadata)')
      .option('-n, --allowNonRestoredState', 'allow state of operators that no longer exist to be skipped')
      .option('--claimMode <mode>', 'claim or no_claim (default): who owns the restored snapshot (also -cm)')
      .option('--restoreMode <mode>', 'deprecated name of --claimMode (also -rm)')
      .option('-d, --detached', 'return after submission instead of waiting for the job to end')
      .option('-p, --parallelism <n>', 'parallelism of the job')
      .option('-c, --class <entry>', 'entry class of a jar (when its manifest has none)')
      .option('--shutdownOnAttachedExit', 'accepted for compatibility with Flink (also -sae)')
      .option('--require-savepoint', 'refuse to start from no state when a restorable snapshot exists for this job')
      .option('--name <job name>', "with --require-savepoint: the job's name (default: the names this job file ran under before)")
      .addHelpText(
        'after',
        [
          '',
          'Examples:',
          '  flink run -d fixtures/jobs/counter.ts --out /tmp/out --sequence 1000',
          '  flink run -d -s /data/savepoints/savepoint-fd7201-0123456789ab job.ts',
          '  flink run -d -s file:/ckpt/fd72014d4c864993a2e5a9287b4a9c5d/chk-42 -n -cm claim job.ts',
          '  flink run -d -m flink-jm:8081 -c com.example.Job target/job.jar --input s3://bucket/in',
          '',
        ].join('\n'),
      )
      .action(async (job: string | undefined, args: string[], opts: RawRunOptions, command: Command) => {
        await runRun(parseRunArgs(job, args, opts), await deps.contextFor(command));
      });
  },
};
