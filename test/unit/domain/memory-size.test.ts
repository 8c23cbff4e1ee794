import { expect, test } from '@jest/globals';
import { parseMemorySize } from '../../../src/domain/memory-size.js';

test('memory sizes as Flink writes them', () => {
  expect(parseMemorySize('1g')).toBe(1024 ** 3);
  expect(parseMemorySize('1728m')).toBe(1728 * 1024 ** 2);
  expect(parseMemorySize('512 mb')).toBe(512 * 1024 ** 2);
  expect(parseMemorySize('64KB')).toBe(64 * 1024);
  expect(parseMemorySize('1024')).toBe(1024); // a bare number is bytes
  expect(parseMemorySize('2 gibibytes')).toBe(2 * 1024 ** 3);
});

test('anything else is not a memory size', () => {
  for (const text of ['', 'g', '1.5g', '-1g', '1 parsec', '1g2']) expect(parseMemorySize(text)).toBeUndefined();
});
