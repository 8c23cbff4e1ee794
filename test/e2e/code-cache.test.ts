// bin/flink runs the CLI bundle with a V8 code cache (dist/boot.cjs): one file per command under
// ~/.cache/flink-cli/code-cache, written after a successful call. Whatever the cache holds, a call prints
// exactly what it prints without one. (Node >= 22.1 uses its own module.enableCompileCache instead.)
import { describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import { emptyDir, runFlink } from './helpers.js';

const builtIn = typeof (Module as { enableCompileCache?: unknown }).enableCompileCache === 'function';
const cacheDir = (home: string) => path.join(home, '.cache', 'flink-cli', 'code-cache');
const cacheFiles = (home: string, command: string) => {
  try {
    return readdirSync(cacheDir(home)).filter((f) => f.startsWith(`cli-${command}-`) && f.endsWith('.bin'));
  } catch {
    return [];
  }
};

(builtIn ? describe.skip : describe)('the code cache of the CLI bundle', () => {
  it('is written by the first call of a command and used, unchanged, by the next; the output is the same', async () => {
    const home = emptyDir('home-');
    const plain = await runFlink(['--help'], { env: { NODE_DISABLE_COMPILE_CACHE: '1' } });
    expect(plain.exitCode).toBe(0);
    const first = await runFlink(['--help'], { env: { HOME: home } });
    const [file] = cacheFiles(home, 'help');
    expect(file).toBeDefined();
    const written = readFileSync(path.join(cacheDir(home), file));
    const writtenAt = statSync(path.join(cacheDir(home), file)).mtimeMs;
    const second = await runFlink(['--help'], { env: { HOME: home } });
    expect([first, second]).toEqual([plain, plain]);
    // Accepted by V8: a rejected cache would have been written again.
    expect(readFileSync(path.join(cacheDir(home), file)).equals(written)).toBe(true);
    expect(statSync(path.join(cacheDir(home), file)).mtimeMs).toBe(writtenAt);
  });

  it('that does not match (another build, another Node, garbage) is rejected, the call works the same, and it is rewritten', async () => {
    const home = emptyDir('home-');
    const plain = await runFlink(['config', 'rest.port'], { env: { NODE_DISABLE_COMPILE_CACHE: '1' } });
    await runFlink(['config', 'rest.port'], { env: { HOME: home } });
    const [file] = cacheFiles(home, 'config');
    const garbage = Buffer.from('not a V8 code cache '.repeat(50));
    writeFileSync(path.join(cacheDir(home), file), garbage);
    const r = await runFlink(['config', 'rest.port'], { env: { HOME: home } });
    expect(r).toEqual(plain);
    expect(readFileSync(path.join(cacheDir(home), file)).equals(garbage)).toBe(false);
  });

  it('is not written by a failing call, nor with NODE_DISABLE_COMPILE_CACHE', async () => {
    const home = emptyDir('home-');
    const failed = await runFlink(['savepoint', 'not-a-job-id'], { env: { HOME: home } });
    expect(failed.exitCode).toBe(2);
    expect(cacheFiles(home, 'savepoint')).toEqual([]);
    const off = await runFlink(['--help'], { env: { HOME: home, NODE_DISABLE_COMPILE_CACHE: '1' } });
    expect(off.exitCode).toBe(0);
    expect(cacheFiles(home, 'help')).toEqual([]);
  });

  it('of another build stays while it is recent (two installs used in turn) and goes once a day old', async () => {
    const home = emptyDir('home-');
    mkdirSync(cacheDir(home), { recursive: true });
    const recent = path.join(cacheDir(home), 'cli-list-v0.0.0-x64-1-1.bin');
    const old = path.join(cacheDir(home), 'cli-list-v0.0.0-x64-2-2.bin');
    writeFileSync(recent, 'another build');
    writeFileSync(old, 'another build');
    utimesSync(old, new Date(Date.now() - 2 * 86_400_000), new Date(Date.now() - 2 * 86_400_000));
    expect((await runFlink(['--help'], { env: { HOME: home } })).exitCode).toBe(0);
    expect(cacheFiles(home, 'help')).toHaveLength(1);
    expect(existsSync(recent)).toBe(true);
    expect(existsSync(old)).toBe(false);
  });

  it('that cannot be written (no usable cache directory) costs nothing but the cache', async () => {
    const home = emptyDir('home-');
    mkdirSync(path.join(home, '.cache', 'flink-cli'), { recursive: true });
    writeFileSync(cacheDir(home), 'a file where the directory would be');
    const plain = await runFlink(['--help'], { env: { NODE_DISABLE_COMPILE_CACHE: '1' } });
    expect(await runFlink(['--help'], { env: { HOME: home } })).toEqual(plain);
  });
});

/** Every file under `dir`, with its modification time. */
function filesUnder(dir: string): Map<string, number> {
  const out = new Map<string, number>();
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true }))
    if (entry.isFile()) out.set(path.join(entry.parentPath ?? entry.path, entry.name), statSync(path.join(entry.parentPath ?? entry.path, entry.name)).mtimeMs);
  return out;
}

// Node >= 22.1: bin/flink hands the same directory to Node's own compile cache (CI runs this on Node 22 and 24).
(builtIn ? describe : describe.skip)("Node's own compile cache (module.enableCompileCache)", () => {
  it('is written under ~/.cache/flink-cli/code-cache by the first call and used unchanged by the next; the output is the same', async () => {
    const home = emptyDir('home-');
    const plain = await runFlink(['--help'], { env: { NODE_DISABLE_COMPILE_CACHE: '1' } });
    const first = await runFlink(['--help'], { env: { HOME: home } });
    const written = filesUnder(cacheDir(home));
    expect(written.size).toBeGreaterThan(0);
    const second = await runFlink(['--help'], { env: { HOME: home } });
    expect([first, second]).toEqual([plain, plain]);
    expect(filesUnder(cacheDir(home))).toEqual(written); // accepted: nothing compiled again, nothing rewritten
  });

  it('garbage in the cache changes nothing but the cache; NODE_DISABLE_COMPILE_CACHE and NODE_COMPILE_CACHE are honoured', async () => {
    const home = emptyDir('home-');
    const plain = await runFlink(['config', 'rest.port'], { env: { NODE_DISABLE_COMPILE_CACHE: '1' } });
    await runFlink(['config', 'rest.port'], { env: { HOME: home } });
    for (const file of filesUnder(cacheDir(home)).keys()) writeFileSync(file, Buffer.from('not a V8 code cache '.repeat(50)));
    expect(await runFlink(['config', 'rest.port'], { env: { HOME: home } })).toEqual(plain);

    const off = emptyDir('home-');
    expect(await runFlink(['config', 'rest.port'], { env: { HOME: off, NODE_DISABLE_COMPILE_CACHE: '1' } })).toEqual(plain);
    expect(filesUnder(cacheDir(off)).size).toBe(0);

    const elsewhere = emptyDir('cache-');
    const moved = emptyDir('home-');
    expect(await runFlink(['config', 'rest.port'], { env: { HOME: moved, NODE_COMPILE_CACHE: elsewhere } })).toEqual(plain);
    expect(filesUnder(elsewhere).size).toBeGreaterThan(0);
    expect(filesUnder(cacheDir(moved)).size).toBe(0);
  });
});
