// The single list of commands, in help order.
import type { CommandModule } from '../program.js';
import { auditCommand } from './audit.js';
import { cancelCommand } from './cancel.js';
import { checkpointCommand } from './checkpoint.js';
import { checkpointsCommand } from './checkpoints.js';
import { clusterCommand } from './cluster.js';
import { configCommand } from './config.js';
import { disposeCommand } from './dispose.js';
import { helpCommand } from './help.js';
import { listCommand } from './list.js';
import { restoreCommand } from './restore.js';
import { runCommand } from './run.js';
import { savepointCommand } from './savepoint.js';
import { savepointsCommand } from './savepoints.js';
import { stopCommand } from './stop.js';
import { upgradeCommand } from './upgrade.js';

export const COMMANDS: readonly CommandModule[] = [
  runCommand,
  listCommand,
  savepointCommand,
  savepointsCommand,
  restoreCommand,
  disposeCommand,
  upgradeCommand,
  stopCommand,
  cancelCommand,
  checkpointCommand,
  checkpointsCommand,
  clusterCommand,
  configCommand,
  auditCommand,
  helpCommand,
];
