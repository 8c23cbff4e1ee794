// Replaced at bundle time by scripts/build.mjs; tests run the sources directly and see the dev marker.
declare const __TOOL_VERSION__: string | undefined;

export const TOOL_VERSION: string = typeof __TOOL_VERSION__ !== 'undefined' ? __TOOL_VERSION__ : '0.0.0-dev';
