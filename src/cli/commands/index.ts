// The single list of commands, in help order.
import type { CommandModule } from '../program.js';
import { configCommand } from './config.js';
import { helpCommand } from './help.js';

export const COMMANDS: readonly CommandModule[] = [configCommand, helpCommand];
