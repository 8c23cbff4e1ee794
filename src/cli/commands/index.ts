// The single list of commands, in help order. Each command's module is loaded only when that command runs
// (or its help is shown), so `flink --help` and a single command load little code.
import type { CommandModule } from '../program.js';

export interface CommandEntry {
  name: string;
  summary: string;
  /** Not listed in help or completion (internal plumbing such as __complete). */
  hidden?: boolean;
  /** Its subcommands, in help order (the first runs when none is named). */
  subcommands?: readonly string[];
  load(): Promise<CommandModule>;
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'run',
    summary: 'submit a job (a .js/.mjs/.ts job module, or a .jar to an Apache Flink cluster), optionally from a savepoint',
    load: async () => (await import('./run.js')).runCommand,
  },
  { name: 'list', summary: 'list running and scheduled jobs (all jobs with -a)', load: async () => (await import('./list.js')).listCommand },
  { name: 'savepoint', summary: 'trigger a savepoint of a job (or dispose one with -d)', load: async () => (await import('./savepoint.js')).savepointCommand },
  {
    name: 'savepoints',
    summary:
      'the savepoints and persistent checkpoints a job can be restored from, also after it ended: list (the default), prune, gc, pin, unpin, inspect, state, diff',
    subcommands: ['list', 'prune', 'gc', 'pin', 'unpin', 'inspect', 'state', 'diff'],
    load: async () => (await import('./savepoints.js')).savepointsCommand,
  },
  {
    name: 'restore',
    summary: 'start a job from a savepoint or persistent checkpoint (a path, or "latest")',
    load: async () => (await import('./restore.js')).restoreCommand,
  },
  {
    name: 'dispose',
    summary: 'dispose savepoints or retained checkpoints safely (plan first; --dry-run shows it)',
    load: async () => (await import('./dispose.js')).disposeCommand,
  },
  {
    name: 'upgrade',
    summary: 'stop a job with a savepoint, start a new version from it, roll back if it does not come up',
    load: async () => (await import('./upgrade.js')).upgradeCommand,
  },
  { name: 'stop', summary: 'stop a job with a savepoint (stop-with-savepoint)', load: async () => (await import('./stop.js')).stopCommand },
  {
    name: 'cancel',
    summary: 'cancel a job (with -s: take a savepoint first; deprecated in Flink, prefer stop)',
    load: async () => (await import('./cancel.js')).cancelCommand,
  },
  { name: 'checkpoint', summary: 'trigger a checkpoint of a job now', load: async () => (await import('./checkpoint.js')).checkpointCommand },
  {
    name: 'checkpoints',
    summary: 'show the checkpoint and savepoint history of a job',
    load: async () => (await import('./checkpoints.js')).checkpointsCommand,
  },
  {
    name: 'cluster',
    summary: 'start, stop or inspect the local coordinator (the embedded default)',
    load: async () => (await import('./cluster.js')).clusterCommand,
  },
  {
    name: 'ui',
    summary: 'the dashboard: jobs, checkpoint charts, the snapshot catalog and its actions, in a browser',
    load: async () => (await import('./ui.js')).uiCommand,
  },
  {
    name: 'config',
    summary: 'show the effective configuration and where each value comes from',
    load: async () => (await import('./config.js')).configCommand,
  },
  { name: 'audit', summary: 'show the audit log of state-changing commands', load: async () => (await import('./audit.js')).auditCommand },
  {
    name: 'doctor',
    summary: 'check configuration, REST endpoint, snapshot directories, coordinator state and clock skew; print a fix for each problem',
    load: async () => (await import('./doctor.js')).doctorCommand,
  },
  { name: 'completion', summary: 'print a shell completion script (bash, zsh or fish)', load: async () => (await import('./completion.js')).completionCommand },
  {
    name: 'version',
    summary: "print the tool's version and, when a cluster is reachable, its Flink version (also --version)",
    load: async () => (await import('./version.js')).versionCommand,
  },
  { name: 'help', summary: 'show help for a command or topic', load: async () => (await import('./help.js')).helpCommand },
  {
    name: '__complete',
    summary: 'candidates for shell completion (used by the completion scripts)',
    hidden: true,
    load: async () => (await import('./completion.js')).completeCommand,
  },
];

/** The subcommands of `flink savepoints` (declared in savepoints.ts) that have files of their own, loaded only when one runs. */
export const SAVEPOINTS_ACTIONS = {
  prune: () => import('./prune.js'),
  gc: () => import('./gc.js'),
  pin: () => import('./pin.js'),
  inspect: () => import('./inspect.js'),
  state: () => import('./state.js'),
  diff: () => import('./state-diff.js'),
};
