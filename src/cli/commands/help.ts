// `flink help [topic|command]`: help of a command, or a topic such as the exit-code table.
import type { Command } from 'commander';
import { UsageError } from '../../domain/errors.js';
import { renderExitCodeTable } from '../exit-codes.js';
import type { CommandModule } from '../program.js';

const TOPICS: Record<string, string> = { 'exit-codes': 'the exit codes of every command' };

export const helpCommand: CommandModule = {
  name: 'help',
  register(program, deps) {
    return program
      .command('help')
      .argument('[topic]', `a command, or one of: ${Object.keys(TOPICS).join(', ')}`)
      .addHelpText('after', '\nExamples:\n  flink help exit-codes\n  flink help config\n')
      .action(async (topic: string | undefined, _opts: unknown, command: Command) => {
        const { io } = await deps.contextFor(command);
        if (topic === undefined) {
          program.outputHelp();
          return;
        }
        if (topic === 'exit-codes') {
          io.stdout.write(renderExitCodeTable());
          return;
        }
        const target = await deps.describe(topic);
        if (!target) throw new UsageError(`Unknown help topic '${topic}'. Topics: ${Object.keys(TOPICS).join(', ')}, or a command name.`);
        target.outputHelp();
      });
  },
};
