// The S3 and Azure SDKs cost 0.2-0.3 s to import: a command that never touches an object store must not
// load them. A module-resolution hook records every package bin/flink imports, and a require hook every
// package it requires (the CLI bundle is CommonJS).
import { describe, expect, it } from '@jest/globals';
import { execa } from 'execa';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BIN, emptyDir, fixture, ROOT } from './helpers.js';

// The S3 and Azure SDKs, and the XML parser of Hadoop's site files (HDFS).
const SDK = /@aws-sdk\/|@azure\/|@smithy\/|fast-xml-parser/;

function hookFiles(): { register: string; requireHook: string; log: string } {
  const dir = emptyDir('hook-');
  const log = path.join(dir, 'resolved.txt');
  const hooks = path.join(dir, 'hooks.mjs');
  writeFileSync(log, '');
  writeFileSync(
    hooks,
    `import { appendFileSync } from 'node:fs';\nexport async function resolve(specifier, context, next) {\n  if (!specifier.startsWith('.') && !specifier.startsWith('node:') && !specifier.startsWith('file:')) appendFileSync(${JSON.stringify(log)}, specifier + '\\n');\n  return next(specifier, context);\n}\n`,
  );
  const register = path.join(dir, 'register.mjs');
  writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
  const requireHook = path.join(dir, 'require-hook.cjs');
  writeFileSync(
    requireHook,
    `const Module = require('node:module');\nconst { appendFileSync } = require('node:fs');\nconst load = Module._load;\nModule._load = function (request, ...rest) {\n  if (!request.startsWith('.') && !request.startsWith('/') && !request.startsWith('node:')) appendFileSync(${JSON.stringify(log)}, request + '\\n');\n  return load.call(this, request, ...rest);\n};\n`,
  );
  return { register, requireHook, log };
}

async function packagesImportedBy(args: string[]): Promise<string[]> {
  const { register, requireHook, log } = hookFiles();
  const r = await execa(process.execPath, ['--import', register, '--require', requireHook, ...args], { cwd: ROOT, reject: false, env: { NO_COLOR: '1' } });
  if (r.exitCode !== 0) throw new Error(`${args.join(' ')} exited ${r.exitCode}: ${r.stderr}`);
  return readFileSync(log, 'utf8').split('\n').filter(Boolean);
}

describe('storage SDKs load lazily', () => {
  it('the hook sees a package import (control: importing the S3 SDK is recorded)', async () => {
    const imported = await packagesImportedBy(['--input-type=module', '-e', "await import('@aws-sdk/client-s3')"]);
    expect(imported.some((s) => SDK.test(s))).toBe(true);
  });

  it('the hook sees a package require (control: requiring the S3 SDK is recorded)', async () => {
    const required = await packagesImportedBy(['-e', "require('@aws-sdk/client-s3')"]);
    expect(required.some((s) => SDK.test(s))).toBe(true);
  });

  it.each([
    ['flink --help', ['--help']],
    ['flink config', ['config', '--config-dir', fixture('config', 'flink2-nested')]],
    ['flink savepoints --dir <local dir>', ['savepoints', '--dir', fixture('snapshots', 'tree')]],
  ])('%s imports no storage SDK', async (_name, args) => {
    const imported = await packagesImportedBy([BIN, ...args]);
    expect(imported.filter((s) => SDK.test(s))).toEqual([]);
  });
});
