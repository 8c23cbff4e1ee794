// `flink help [topic|command]`: help of a command, or a topic such as the exit-code table.
import type { Command } from 'commander';
import { UsageError } from '../../domain/errors.js';
import { EXIT_CODES, renderExitCodeTable } from '../exit-codes.js';
import { emit } from '../output/export.js';
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
        if (topic === 'exit-codes') {
          const codes = EXIT_CODES.map(({ code, kind, meaning }) => ({ code, kind, meaning }));
          return emit(io, { data: { exitCodes: codes }, human: (o) => void o.stdout.write(renderExitCodeTable()) });
        }
        const target = topic === undefined ? program : await deps.describe(topic);
        if (!target) throw new UsageError(`Unknown help topic '${topic}'. Topics: ${Object.keys(TOPICS).join(', ')}, or a command name.`);
        await emit(io, { data: { help: target.helpInformation() }, human: () => target.outputHelp() });
      });
  },
};
