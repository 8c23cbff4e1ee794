import { describe, expect, it } from '@jest/globals';
import { OperationError } from '../../../src/domain/errors.js';
import { explainRejection, misplacedOptions } from '../../../src/cli/services/run-job.js';

describe('CLI options given after the job file', () => {
  it('are found with their values', () => {
    expect(misplacedOptions(['--out', '/o', '-p', '0', '-d', '--claimMode=claim', '-s', '/sp', '--rate', '5'])).toEqual([
      '-p 0',
      '-d',
      '--claimMode=claim',
      '-s /sp',
    ]);
    expect(misplacedOptions(['--out', '/o'])).toEqual([]);
  });

  it('the hint moves each with its value before the job file', () => {
    const error = explainRejection(new OperationError('unexpected argument -p'), '/tmp/b/job.mjs', 'job.ts', ['--out', '/o', '-p', '0']) as OperationError;
    expect(error.hint).toBe(
      '-p 0 came after the job file, so the job got it as its own argument; put CLI options before the job file (flink run -p 0 job.ts ...).',
    );
  });
});
