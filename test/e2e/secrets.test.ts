// Storage secrets (s3.secret-key, fs.azure.account.key.*) are never printed, not with --debug, not in
// --json, not by --explain, and never written to the audit log.
import { describe, expect, it } from '@jest/globals';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { emptyDir, runFlink } from './helpers.js';

const S3_SECRET = 'wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY';
const AZURE_KEY = 'QXp1cmUgYWNjb3VudCBrZXkgdGhhdCBtdXN0IG5ldmVyIGJlIHByaW50ZWQ=';
const AZURE_KEY_NAME = 'fs.azure.account.key.myaccount.blob.core.windows.net';

function confDir(): string {
  const dir = emptyDir('conf-');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'config.yaml'),
    [`s3.access-key: AKIAEXAMPLE`, `s3.secret-key: ${S3_SECRET}`, `s3.endpoint: http://127.0.0.1:9090`, `${AZURE_KEY_NAME}: ${AZURE_KEY}`, ''].join('\n'),
  );
  return dir;
}

describe('secrets in flink config', () => {
  it('the table, a single value and --json show ****** for secret values (even with --debug), everything else as is', async () => {
    const conf = confDir();
    const table = await runFlink(['--debug', '--config-dir', conf, 'config']);
    expect(table.exitCode).toBe(0);
    const lines = table.stdout.split('\n');
    expect(lines).toContain(`s3.secret-key\t******\t${path.join(conf, 'config.yaml')}:2`);
    expect(lines).toContain(`${AZURE_KEY_NAME}\t******\t${path.join(conf, 'config.yaml')}:4`);
    expect(lines).toContain(`s3.access-key\tAKIAEXAMPLE\t${path.join(conf, 'config.yaml')}:1`);
    expect(lines).toContain(`s3.endpoint\thttp://127.0.0.1:9090\t${path.join(conf, 'config.yaml')}:3`);

    const single = await runFlink(['--config-dir', conf, 'config', 's3.secret-key']);
    expect(single.stdout).toBe('******\n');
    const json = await runFlink(['--config-dir', conf, '--json', 'config']);
    const values = JSON.parse(json.stdout).values as Array<{ key: string; value: string }>;
    expect(values.find((v) => v.key === 's3.secret-key')?.value).toBe('******');
    expect(values.find((v) => v.key === AZURE_KEY_NAME)?.value).toBe('******');
    for (const r of [table, single, json]) expect(r.stdout + r.stderr).not.toMatch(new RegExp(`${S3_SECRET}|${AZURE_KEY}`));
  });

  it('--explain of a secret key says where it came from, not what it is', async () => {
    const conf = confDir();
    const r = await runFlink(['--config-dir', conf, 'config', '--explain', 's3.secret-key', '-D', `s3.secret-key=${S3_SECRET}-from-D`]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.split('\n')).toEqual(['s3.secret-key\t******\t-D\tused', 'default\t-\t-\tnot set', '']);
    const json = await runFlink(['--config-dir', conf, '--json', 'config', '--explain', AZURE_KEY_NAME]);
    expect(JSON.parse(json.stdout)).toMatchObject({
      key: AZURE_KEY_NAME,
      value: '******',
      origin: { kind: 'file', line: 4 },
      candidates: [{ name: AZURE_KEY_NAME, value: '******', outcome: 'used' }, { name: 'default' }],
    });
    expect(r.stdout + json.stdout).not.toContain(S3_SECRET);
    expect(json.stdout).not.toContain(AZURE_KEY);
  });
});

describe('secrets and the audit log', () => {
  it('a secret given with -D (either spelling) is ****** in the audited argv; other properties stay', async () => {
    const dir = emptyDir('audit-');
    const log = path.join(dir, 'audit.log');
    // An audited command that fails at once (nothing listens on port 1) still writes its audit line.
    const r = await runFlink([
      '-m',
      '127.0.0.1:1',
      '-D',
      `audit.log=${log}`,
      '-D',
      `s3.secret-key=${S3_SECRET}`,
      `-D${AZURE_KEY_NAME}=${AZURE_KEY}`,
      '-Ds3.endpoint=http://127.0.0.1:9090',
      'savepoint',
      'fd72014d4c864993a2e5a9287b4a9c5d',
    ]);
    expect(r.exitCode).toBe(4);
    const text = readFileSync(log, 'utf8');
    expect(text).not.toContain(S3_SECRET);
    expect(text).not.toContain(AZURE_KEY);
    const record = JSON.parse(text.trim().split('\n').pop()!);
    expect(record.argv).toEqual([
      '-m',
      '127.0.0.1:1',
      '-D',
      `audit.log=${log}`,
      '-D',
      's3.secret-key=******',
      `-D${AZURE_KEY_NAME}=******`,
      '-Ds3.endpoint=http://127.0.0.1:9090',
      'savepoint',
      'fd72014d4c864993a2e5a9287b4a9c5d',
    ]);
  });
});
