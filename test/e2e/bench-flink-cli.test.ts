// `npm run bench` compares this CLI with Flink's own; a comparison that cannot run must fail loudly, never
// report "skipped" with exit 0 (the README's figures must come from a run that happened). Without Java and
// Maven on the PATH the bench cannot start a Flink cluster: it exits non-zero saying why.
import { describe, expect, it } from '@jest/globals';
import { execa } from 'execa';
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { emptyDir, ROOT } from './helpers.js';

describe("the comparison with Flink's CLI", () => {
  it('fails loudly (exit 1, the reason on stderr) when it cannot run; FLINK_BENCH=skip skips it on purpose', async () => {
    // A PATH with only what the script itself needs (no java, no mvn).
    const bin = path.join(emptyDir('bench-path-'), 'bin');
    mkdirSync(bin);
    symlinkSync(process.execPath, path.join(bin, 'node'));
    const run = (env: Record<string, string>) =>
      execa(process.execPath, [path.join(ROOT, 'bench', 'flink-cli.bench.mjs')], {
        cwd: ROOT,
        env: { PATH: bin, HOME: emptyDir('bench-home-'), FLINK_BENCH_VERSION: '9.9.9-not-cached', ...env },
        extendEnv: false,
        reject: false,
        timeout: 60_000,
      });
    const failed = await run({});
    expect(failed.exitCode).toBe(1);
    expect(String(failed.stderr)).toContain("cannot run the comparison with Flink's CLI");
    expect(String(failed.stdout)).not.toContain('skipped');
    rmSync(path.join(ROOT, '.flink-cache', '9.9.9-not-cached'), { recursive: true, force: true }); // made on the way
    const skipped = await run({ FLINK_BENCH: 'skip' });
    expect([skipped.exitCode, JSON.parse(String(skipped.stdout))]).toEqual([0, expect.objectContaining({ skipped: 'FLINK_BENCH=skip' })]);
  }, 90_000);
});
