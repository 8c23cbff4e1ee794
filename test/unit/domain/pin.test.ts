import { describe, expect, it } from '@jest/globals';
import { nextPin, parsePin } from '../../../src/domain/pin.js';

const now = new Date('2026-12-05T10:00:00Z');

describe('a pin', () => {
  it('pinned again without a reason keeps the first pin (reason, who, when); a new reason replaces it', () => {
    const first = nextPin(undefined, { user: 'ann', reason: 'before v2', now });
    expect(first).toEqual({ pinnedAt: '2026-12-05T10:00:00.000Z', user: 'ann', reason: 'before v2' });
    expect(nextPin(first, { user: 'bob', now: new Date('2026-12-06T00:00:00Z') })).toEqual(first);
    expect(nextPin(first, { user: 'bob', reason: '  ', now })).toEqual(first);
    expect(nextPin(first, { user: 'bob', reason: 'golden', now })).toEqual({ pinnedAt: now.toISOString(), user: 'bob', reason: 'golden' });
    expect(nextPin(undefined, { user: 'ann', now })).toEqual({ pinnedAt: now.toISOString(), user: 'ann' });
  });

  it('a record that does not parse is a pin without facts', () => {
    expect(parsePin('{"reason":"x","user":"a","pinnedAt":"t","other":1}')).toEqual({ reason: 'x', user: 'a', pinnedAt: 't' });
    expect(parsePin('garbage')).toEqual({});
    expect(parsePin('null')).toEqual({});
  });
});
