/** `npm run coverage`: the same tests as `npm test`, with a coverage summary over every file of src/ (tested or not). */
import base from './jest.config.js';

export default {
  ...base,
  roots: [...base.roots, '<rootDir>/src'],
  collectCoverage: true,
  collectCoverageFrom: ['src/**/*.ts'],
  coverageReporters: ['text-summary'],
};
