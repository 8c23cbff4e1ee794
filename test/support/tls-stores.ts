// A private PKI made the way operators make Flink's stores: with the JDK's keytool (PKCS12, its default, and
// JKS), RSA keys, a CA that signs a server and a client certificate. Tests point our CLI and a Node https server
// (or a real Flink cluster) at these files. Each keytool run starts a JVM (~0.5 s), so independent ones run
// side by side.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const JVM = ['-J-XX:TieredStopAtLevel=1', '-J-XX:+UseSerialGC'];

/** The password of every store made here (the JKS client key has its own: KEY_PASSWORD). */
export const STORE_PASSWORD = 'st0re-s3cret-pw';
export const KEY_PASSWORD = 'k3y-s3cret-pw';

async function keytool(args: string[], input?: string): Promise<string> {
  const child = run('keytool', [...JVM, ...args], { maxBuffer: 4 * 1024 * 1024 });
  if (input !== undefined) {
    child.child.stdin!.end(input);
  }
  return (await child).stdout;
}

/** A self-signed CA in `<dir>/<name>.p12`; returns its certificate as PEM (also written to `<name>.pem`). */
export async function makeCa(dir: string, name: string): Promise<string> {
  const store = path.join(dir, `${name}.p12`);
  await keytool([
    '-genkeypair',
    '-alias',
    'ca',
    '-keyalg',
    'RSA',
    '-keysize',
    '2048',
    '-dname',
    `CN=${name}`,
    '-ext',
    'bc:c',
    '-validity',
    '400',
    '-keystore',
    store,
    '-storepass',
    STORE_PASSWORD,
  ]);
  const pem = await keytool(['-exportcert', '-alias', 'ca', '-rfc', '-keystore', store, '-storepass', STORE_PASSWORD]);
  writeFileSync(path.join(dir, `${name}.pem`), pem);
  return pem;
}

/**
 * A PKCS12 keystore `<dir>/<name>.p12` with a key pair whose certificate (CN=<cn>, the given subject
 * alternative names) the CA `ca` signed, with the chain up to the CA, as `keytool -importcert` installs a reply.
 */
export async function makeSignedKeystore(dir: string, ca: string, name: string, cn: string, san?: string): Promise<string> {
  const store = path.join(dir, `${name}.p12`);
  const caStore = path.join(dir, `${ca}.p12`);
  await keytool([
    '-genkeypair',
    '-alias',
    name,
    '-keyalg',
    'RSA',
    '-keysize',
    '2048',
    '-dname',
    `CN=${cn}`,
    '-validity',
    '400',
    '-keystore',
    store,
    '-storepass',
    STORE_PASSWORD,
  ]);
  const request = await keytool(['-certreq', '-alias', name, '-keystore', store, '-storepass', STORE_PASSWORD]);
  const signed = await keytool(
    ['-gencert', '-alias', 'ca', '-rfc', '-validity', '400', '-keystore', caStore, '-storepass', STORE_PASSWORD, ...(san ? ['-ext', `SAN=${san}`] : [])],
    request,
  );
  const chain = path.join(dir, `${name}-chain.pem`);
  writeFileSync(chain, signed + readFileSync(path.join(dir, `${ca}.pem`), 'utf8'));
  await keytool(['-importcert', '-noprompt', '-alias', name, '-file', chain, '-keystore', store, '-storepass', STORE_PASSWORD]);
  return store;
}

/** A truststore holding the CA `ca` (PKCS12, or JKS as Java 8's keytool wrote by default). */
export async function makeTruststore(dir: string, ca: string, file: string, type: 'PKCS12' | 'JKS' = 'PKCS12'): Promise<string> {
  const store = path.join(dir, file);
  await keytool([
    '-importcert',
    '-noprompt',
    '-alias',
    ca,
    '-file',
    path.join(dir, `${ca}.pem`),
    '-keystore',
    store,
    '-storetype',
    type,
    '-storepass',
    STORE_PASSWORD,
  ]);
  return store;
}

/** A JKS copy of a PKCS12 keystore whose private key has its own password (KEY_PASSWORD). */
export async function toJks(source: string, target: string, alias: string): Promise<string> {
  await keytool([
    '-importkeystore',
    '-noprompt',
    '-srckeystore',
    source,
    '-srcstoretype',
    'PKCS12',
    '-srcstorepass',
    STORE_PASSWORD,
    '-srcalias',
    alias,
    '-destkeystore',
    target,
    '-deststoretype',
    'JKS',
    '-deststorepass',
    STORE_PASSWORD,
    '-destkeypass',
    KEY_PASSWORD,
  ]);
  return target;
}

export interface Pki {
  dir: string;
  caPem: string;
  /** Truststores with the CA. */
  trustP12: string;
  trustJks: string;
  /** Truststore with a CA that signed nothing here. */
  otherTrustP12: string;
  /** Server keystore: CN=localhost, SAN DNS:localhost and IP:127.0.0.1. */
  serverP12: string;
  /** Server keystore whose certificate names another host only (DNS:flink.example.org). */
  otherHostP12: string;
  /** Client certificates: signed by the CA (PKCS12; JKS with KEY_PASSWORD), and by the other CA. */
  clientP12: string;
  clientJks: string;
  rogueClientP12: string;
}

/**
 * The PKI of the TLS tests, shared by the test files of a run (and later runs for a day): about 20 keytool runs
 * take 10-30 s. Made in a fresh directory and renamed into place, so concurrent test processes never see half
 * of one; keyed by this file's content, so a change here makes a new one. Tests only read it.
 */
export async function sharedPki(): Promise<Pki> {
  const key = createHash('sha256')
    .update(readFileSync(fileURLToPath(import.meta.url)))
    .digest('hex')
    .slice(0, 12);
  const dir = path.join(tmpdir(), `flink-cli-test-pki-${key}`);
  const fresh = () => existsSync(path.join(dir, 'done')) && Date.now() - statSync(path.join(dir, 'done')).mtimeMs < 86_400_000;
  if (!fresh()) {
    const staging = mkdtempSync(path.join(tmpdir(), 'flink-cli-test-pki-staging-'));
    await makePki(staging);
    writeFileSync(path.join(staging, 'done'), '');
    // A fresh one that another test process put in place meanwhile is in use: keep it, drop ours.
    if (!fresh()) rmSync(dir, { recursive: true, force: true });
    try {
      renameSync(staging, dir);
    } catch {
      rmSync(staging, { recursive: true, force: true });
    }
  }
  return pkiIn(dir);
}

function pkiIn(dir: string): Pki {
  const at = (file: string) => path.join(dir, file);
  return {
    dir,
    caPem: readFileSync(at('test-ca.pem'), 'utf8'),
    trustP12: at('trust.p12'),
    trustJks: at('trust.jks'),
    otherTrustP12: at('other-trust.p12'),
    serverP12: at('server.p12'),
    otherHostP12: at('other-host.p12'),
    clientP12: at('client.p12'),
    clientJks: at('client.jks'),
    rogueClientP12: at('rogue-client.p12'),
  };
}

/** The whole PKI of the TLS tests, made in `dir`. */
export async function makePki(dir: string): Promise<Pki> {
  await Promise.all([makeCa(dir, 'test-ca'), makeCa(dir, 'other-ca')]);
  await Promise.all([
    makeTruststore(dir, 'test-ca', 'trust.p12'),
    makeTruststore(dir, 'test-ca', 'trust.jks', 'JKS'),
    makeTruststore(dir, 'other-ca', 'other-trust.p12'),
  ]);
  await Promise.all([
    makeSignedKeystore(dir, 'test-ca', 'server', 'localhost', 'dns:localhost,ip:127.0.0.1'),
    makeSignedKeystore(dir, 'test-ca', 'other-host', 'flink.example.org', 'dns:flink.example.org'),
  ]);
  await Promise.all([makeSignedKeystore(dir, 'test-ca', 'client', 'flink-client'), makeSignedKeystore(dir, 'other-ca', 'rogue-client', 'rogue-client')]);
  await toJks(path.join(dir, 'client.p12'), path.join(dir, 'client.jks'), 'client');
  return pkiIn(dir);
}
