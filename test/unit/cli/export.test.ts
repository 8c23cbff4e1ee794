import { describe, expect, it } from '@jest/globals';
import { createTestIO } from '../../../src/cli/io.js';
import { emit, humanNow } from '../../../src/cli/output/export.js';

describe('the exporter', () => {
  it('--json: one document on stdout, "version" first, and nothing of the human form', async () => {
    const io = createTestIO();
    io.setMode({ json: true });
    humanNow(io, (o) => o.print('early line'));
    await emit(io, { data: { jobId: 'j', location: null }, human: (o) => o.print('Savepoint completed.') });
    expect(io.stdoutText()).toBe('{"version":1,"jobId":"j","location":null}\n');
    expect(io.stderrText()).toBe('');
  });

  it('otherwise the human form, in the order the command wrote it', async () => {
    const io = createTestIO();
    humanNow(io, (o) => o.print('early line'));
    await emit(io, { data: { jobId: 'j' }, human: async (o) => o.print('Savepoint completed.') });
    await emit(io, { data: { quiet: true } });
    expect(io.stdoutText()).toBe('early line\nSavepoint completed.\n');
  });
});
