// The command reference (docs/commands.md), rendered from the commander definitions themselves, so the
// documentation cannot drift from what the CLI accepts. `npm run docs` writes it; a test fails when it is stale.
import type { Command } from 'commander';
import { COMMANDS } from './commands/index.js';
import { renderExitCodeTable } from './exit-codes.js';
import { createTestIO } from './io.js';
import { buildProgram } from './program.js';

/** Fixed, so the file does not depend on the terminal that generated it. */
const HELP_WIDTH = 100;

function helpOf(command: Command): string {
  command.configureHelp({ helpWidth: HELP_WIDTH });
  return command.helpInformation().trimEnd();
}

export async function renderCommandReference(): Promise<string> {
  const io = createTestIO();
  const { program, deps } = await buildProgram({ io, env: {}, cwd: '/' });
  const visible = COMMANDS.filter((c) => !c.hidden);
  const out: string[] = [
    '# flink command reference',
    '',
    '<!-- Generated from the commander definitions by `npm run docs` (scripts/command-reference.mjs). Do not edit by hand: a test fails when this file is out of date. -->',
    '',
    "Every command also takes the global options shown under [flink](#flink); Flink's single-dash spellings (`-type`, `-cm`, `-rm`, `-sae`, `-detached`, `-full`) work too.",
    '',
    '| command | what it does |',
    '|---|---|',
    ...visible.map((c) => `| [\`flink ${c.name}\`](#flink-${c.name}) | ${c.summary.replace(/\|/g, '\\|')} |`),
    '',
    '## flink',
    '',
    '```text',
    helpOf(program),
    '```',
  ];
  for (const entry of visible) {
    const command = await deps.describe(entry.name);
    if (!command) continue;
    out.push('', `## flink ${entry.name}`, '', '```text', helpOf(command), '```');
    for (const sub of command.commands) out.push('', `### flink ${entry.name} ${sub.name()}`, '', '```text', helpOf(sub), '```');
  }
  out.push('', '## Exit codes', '', '```text', renderExitCodeTable().trimEnd(), '```', '');
  return out.join('\n');
}
