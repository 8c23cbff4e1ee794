import { describe, expect, test } from '@jest/globals';
import { canTransition, isGloballyTerminal, isTerminal, JOB_STATUSES, transition } from '../../../src/domain/job-status.js';

describe('job status', () => {
  test("Flink's lifecycle paths are allowed", () => {
    const paths = [
      ['INITIALIZING', 'CREATED', 'RUNNING', 'FINISHED'],
      ['CREATED', 'RUNNING', 'RESTARTING', 'RUNNING', 'FAILING', 'FAILED'],
      ['RUNNING', 'CANCELLING', 'CANCELED'],
      ['RUNNING', 'SUSPENDED'],
    ] as const;
    for (const path of paths) for (let i = 1; i < path.length; i++) expect(transition(path[i - 1], path[i])).toBe(path[i]);
  });

  test('terminal states are final', () => {
    for (const status of JOB_STATUSES.filter(isTerminal)) for (const to of JOB_STATUSES) expect(canTransition(status, to)).toBe(false);
    expect(JOB_STATUSES.filter(isGloballyTerminal)).toEqual(['FAILED', 'CANCELED', 'FINISHED']);
    expect(isTerminal('SUSPENDED')).toBe(true);
    expect(() => transition('FINISHED', 'RUNNING')).toThrow(/illegal job status transition FINISHED -> RUNNING/);
    expect(canTransition('CANCELLING', 'RUNNING')).toBe(false);
  });
});
