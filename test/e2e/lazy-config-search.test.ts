// cosmiconfig's search costs a call ~130 ms to import. Most projects have a package.json and no Flink
// configuration: a call from there must not import it, and one whose package.json has a "flink" key still
// finds that configuration. A require hook records every package bin/flink loads.
import { describe, expect, it } from '@jest/globals';
import { execa } from 'execa';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BIN, emptyDir } from './helpers.js';

async function configCall(cwd: string): Promise<{ stdout: string; packages: string[] }> {
  const dir = emptyDir('hook-');
  const log = path.join(dir, 'required.txt');
  writeFileSync(log, '');
  const hook = path.join(dir, 'hook.cjs');
  writeFileSync(
    hook,
    `const Module = require('node:module');\nconst { appendFileSync } = require('node:fs');\nconst load = Module._load;\nModule._load = function (request, ...rest) { appendFileSync(${JSON.stringify(log)}, request + '\\n'); return load.call(this, request, ...rest); };\n`,
  );
  const r = await execa(process.execPath, ['--require', hook, BIN, 'config', 'rest.port'], {
    cwd,
    reject: false,
    extendEnv: false,
    env: { PATH: process.env.PATH, HOME: emptyDir('home-'), NO_COLOR: '1' },
  });
  if (r.exitCode !== 0) throw new Error(`flink config exited ${r.exitCode}: ${r.stderr}`);
  return { stdout: String(r.stdout), packages: readFileSync(log, 'utf8').split('\n').filter(Boolean) };
}

describe('the configuration search', () => {
  it('a project whose package.json has no "flink" key: the default, and cosmiconfig is not loaded', async () => {
    const project = emptyDir('project-');
    writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0' }));
    mkdirSync(path.join(project, 'src'));
    const { stdout, packages } = await configCall(path.join(project, 'src'));
    expect(stdout.trim()).toBe('8081');
    expect(packages).not.toContain('cosmiconfig');
  });

  it('a project whose package.json has a "flink" key: its value, found through cosmiconfig (control)', async () => {
    const project = emptyDir('project-');
    writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'app', flink: { 'rest.port': 9999 } }));
    const { stdout, packages } = await configCall(project);
    expect(stdout.trim()).toBe('9999');
    expect(packages).toContain('cosmiconfig');
  });

  it('a .flinkrc.yaml below the project root is still found', async () => {
    const project = emptyDir('project-');
    writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'app' }));
    mkdirSync(path.join(project, 'jobs'));
    writeFileSync(path.join(project, 'jobs', '.flinkrc.yaml'), 'rest.port: 7777\n');
    expect((await configCall(path.join(project, 'jobs'))).stdout.trim()).toBe('7777');
  });
});
