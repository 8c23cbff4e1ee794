/** Unit, integration and e2e tests (the README's `npm test`). The real-Flink suite has its own config. */
export default {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/flink/'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  // ts-jest's type diagnostics are on by default but its ESM mode never raises them, so `npm test` runs the
  // typecheck (tsc --noEmit over src/, test/, fixtures/) before the tests: a type error fails the test command.
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true }],
  },
  testTimeout: 30000,
};
