// docs/commands.md is generated from the commander definitions; this fails when someone changed a command
// (an option, a help text) and did not run `npm run docs`.
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { renderCommandReference } from '../../../src/cli/reference.js';
import { COMMANDS } from '../../../src/cli/commands/index.js';

describe('docs/commands.md', () => {
  it('is up to date with the commander definitions (run npm run docs when this fails)', async () => {
    expect(readFileSync('docs/commands.md', 'utf8')).toBe(await renderCommandReference());
  });

  it('documents every visible command and no hidden one', async () => {
    const text = await renderCommandReference();
    for (const c of COMMANDS) expect([c.name, text.includes(`## flink ${c.name}\n`)]).toEqual([c.name, !c.hidden]);
  });
});
