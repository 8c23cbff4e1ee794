// ESLint flat config: typescript-eslint's recommended rules (no type information, so it stays fast) and
// the layer map of DESIGN.md ("Import direction") as import boundaries. Change the map and these rules together.
import tseslint from 'typescript-eslint';

/** For each folder of src/: the folders it must never import (static `import`/`export from` and `import()`). */
export const LAYERS = {
  cli: { forbidden: ['server', 'coordinator', 'runtime', 'daemon', 'dashboard'], why: 'the CLI spawns the coordinator process by path, it never imports it' },
  client: {
    forbidden: ['cli', 'config', 'coordinator', 'runtime', 'server', 'storage', 'daemon', 'dashboard'],
    why: 'client/ imports only rest-api/ and domain/',
  },
  config: { forbidden: ['server', 'daemon', 'dashboard'], why: 'nothing below the server imports it' },
  coordinator: { forbidden: ['server', 'client', 'rest-api', 'daemon', 'dashboard'], why: 'the coordinator speaks domain types, never HTTP' },
  daemon: { forbidden: ['dashboard'], why: 'the composition root may import every layer (the dashboard is served as built files)' },
  dashboard: {
    forbidden: ['cli', 'client', 'config', 'coordinator', 'daemon', 'domain', 'runtime', 'server', 'storage'],
    why: 'the dashboard runs in the browser and talks to its server over HTTP only (rest-api/ wire types are fine)',
  },
  'rest-api': {
    forbidden: ['cli', 'client', 'config', 'coordinator', 'runtime', 'server', 'storage', 'daemon', 'dashboard'],
    why: "rest-api/ (Flink's wire types) imports only domain/",
  },
  domain: {
    forbidden: ['cli', 'client', 'config', 'coordinator', 'runtime', 'server', 'storage', 'rest-api', 'daemon', 'dashboard'],
    why: 'domain/ is pure rules',
  },
  server: { forbidden: ['cli', 'client', 'config', 'runtime', 'storage', 'daemon', 'dashboard'], why: 'server/ imports rest-api/, coordinator/ and domain/' },
  runtime: { forbidden: ['server', 'client', 'rest-api', 'daemon', 'dashboard'], why: 'nothing below the server imports it' },
  storage: {
    forbidden: ['cli', 'client', 'rest-api', 'server', 'coordinator', 'runtime', 'daemon', 'dashboard'],
    why: 'storage/ sits below everything but config/ and domain/',
  },
};

/** Node modules with side effects that domain/ must not import. */
const SIDE_EFFECT_MODULES = ['fs', 'fs/promises', 'child_process', 'http', 'https', 'http2', 'net', 'dgram', 'worker_threads'];

/**
 * Known violations, each allowed for exactly one file and one imported module (every other import of that
 * layer still fails); `npm run lint:exceptions` counts them. Issue 13 removed the last ones: keep it empty.
 */
export const EXCEPTIONS = [];

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Regex (source text) for relative imports that reach `layer`, except the modules in `allowed`. */
function layerRegex(layer, allowed) {
  const except = allowed.length ? `(?!(${allowed.map(escape).join('|')})\\.js$)` : '';
  return `^(\\.\\./)+${escape(layer)}/${except}`;
}

/** The two rules (static and dynamic imports) for one folder, minus the given allowed imports, plus `extra` patterns. */
function boundaryRules(folder, allowedImports, extra = []) {
  const { forbidden, why } = LAYERS[folder];
  const allowedIn = (layer) => allowedImports.filter((i) => i.startsWith(`${layer}/`)).map((i) => i.slice(layer.length + 1));
  const patterns = forbidden
    .map((layer) => ({
      regex: layerRegex(layer, allowedIn(layer)),
      message: `${folder}/ must not import ${layer}/: ${why} (DESIGN.md, "Import direction").`,
    }))
    .concat(extra);
  const paths = [];
  if (folder === 'domain') {
    for (const name of SIDE_EFFECT_MODULES) {
      for (const id of [name, `node:${name}`]) paths.push({ name: id, message: 'domain/ imports nothing with side effects; do the I/O in the caller.' });
    }
  }
  // no-restricted-imports does not see `import()`; esquery regexes cannot contain "/", hence \u002F.
  const dynamic = forbidden
    .map((layer) => ({
      selector: `ImportExpression[source.value=/${layerRegex(layer, allowedIn(layer)).replaceAll('/', '\\u002F')}/]`,
      message: `${folder}/ must not import ${layer}/: ${why} (DESIGN.md, "Import direction").`,
    }))
    .concat(extra.map(({ regex, message }) => ({ selector: `ImportExpression[source.value=/${regex.replaceAll('/', '\\u002F')}/]`, message })));
  return {
    'no-restricted-imports': ['error', { paths, patterns }],
    'no-restricted-syntax': ['error', ...dynamic],
  };
}

// Commands never import commands (issue 13): what they share lives in src/cli/services/; only
// commands/index.ts, the list of commands, loads them. Outside commands/, only that list is imported.
const COMMANDS_WHY = 'shared code goes to src/cli/services/; only commands/index.ts loads commands (ARCHITECTURE.md)';
const commandImports = {
  'src/cli/commands/*.ts': {
    ignores: ['src/cli/commands/index.ts'],
    regex: '^\\./(?!index\\.js$)',
    message: `A command never imports another command: ${COMMANDS_WHY}.`,
  },
  'src/cli/*.ts': { regex: '^\\./commands/(?!index\\.js$)', message: `src/cli/ never imports a command: ${COMMANDS_WHY}.` },
  'src/cli/*/*.ts': {
    ignores: ['src/cli/commands/*.ts'],
    regex: '^\\.\\./commands/(?!index\\.js$)',
    message: `src/cli/ never imports a command: ${COMMANDS_WHY}.`,
  },
};

const boundaries = Object.keys(LAYERS).map((folder) => ({
  name: `layers/${folder}`,
  files: [`src/${folder}/**/*.ts`, `src/${folder}/**/*.tsx`],
  rules: boundaryRules(folder, []),
}));
const commandBoundaries = Object.entries(commandImports).map(([files, { ignores = [], regex, message }]) => ({
  name: `layers/cli-commands/${files}`,
  files: [files],
  ignores,
  rules: boundaryRules('cli', [], [{ regex, message }]),
}));

// A later block replaces a rule's options, so each excepted file gets its folder's rules minus its exceptions.
export function exceptionBlocks(list) {
  const byFile = new Map();
  for (const e of list) byFile.set(e.file, [...(byFile.get(e.file) ?? []), e]);
  return [...byFile].map(([file, entries]) => ({
    name: `layers/exceptions/${file}`,
    files: [file],
    rules: boundaryRules(
      file.split('/')[1],
      entries.map((e) => e.imports),
    ),
  }));
}

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'build-tsc/', 'coverage/', '.flink-cache/', '.tmp/', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  {
    files: ['**/*.ts', '**/*.tsx'],
    extends: [tseslint.configs.recommended],
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Unused parameters named `_x` keep an interface's signature readable (e.g. no-op operator hooks).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  // One job per file (issue 13): a source file past 450 lines is split along its jobs.
  { files: ['src/**/*.ts', 'src/**/*.tsx'], rules: { 'max-lines': ['error', { max: 450 }] } },
  ...boundaries,
  ...commandBoundaries,
  ...exceptionBlocks(EXCEPTIONS),
);
