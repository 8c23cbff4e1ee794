// The truststore and keystore reader against stores made by the JDK's keytool (PKCS12, JKS, JCEKS) and by
// OpenSSL (the MAC-only and 3DES variants, and RC2, which Node's OpenSSL 3 no longer decrypts).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { X509Certificate, createPublicKey, createPrivateKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadTlsMaterial, type KeystoreSetting, type StoreSetting } from '../../../src/client/tls/stores.js';
import { KEY_PASSWORD, sharedPki, STORE_PASSWORD, type Pki } from '../../support/tls-stores.js';

const run = promisify(execFile);
let pki: Pki;
let dir = '';

/** `password` null: none configured. */
const trust = (file: string, password: string | null = STORE_PASSWORD, type?: string): StoreSetting => ({
  path: file,
  password: password ?? undefined,
  type,
  keys: { path: 'security.ssl.rest.truststore', password: 'security.ssl.rest.truststore-password' },
});
const keystore = (file: string, password: string | null = STORE_PASSWORD, keyPassword?: string): KeystoreSetting => ({
  path: file,
  password: password ?? undefined,
  keyPassword,
  keys: { path: 'security.ssl.rest.keystore', password: 'security.ssl.rest.keystore-password' },
  keyPasswordKey: 'security.ssl.rest.key-password',
});
const load = (settings: { truststore?: StoreSetting; keystore?: KeystoreSetting }) => loadTlsMaterial({ ...settings, verifyHostname: true, insecure: false });
const failure = (settings: { truststore?: StoreSetting; keystore?: KeystoreSetting }) => {
  try {
    load(settings);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the stores not to open');
};

/** The client key and certificate of pki.clientP12 exported by OpenSSL, re-packed by OpenSSL with `options`. */
async function opensslStore(name: string, options: string[]): Promise<string> {
  const pem = path.join(dir, `${name}.pem`);
  await run('openssl', ['pkcs12', '-in', pki.clientP12, '-passin', `pass:${STORE_PASSWORD}`, '-nodes', '-out', pem]);
  const out = path.join(dir, `${name}.p12`);
  await run('openssl', ['pkcs12', '-export', '-in', pem, '-out', out, '-passout', `pass:${STORE_PASSWORD}`, ...options]);
  return out;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'flink-tls-stores-'));
  pki = await sharedPki();
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('truststores', () => {
  it.each([
    ['keytool PKCS12', () => trust(pki.trustP12)],
    ['keytool JKS', () => trust(pki.trustJks)],
    ['PEM (no password needed)', () => trust(path.join(pki.dir, 'test-ca.pem'), null)],
    ['a JKS file declared as PKCS12 (the content decides, as with Java)', () => trust(pki.trustJks, STORE_PASSWORD, 'pkcs12')],
  ])('%s: the CA is the one trusted certificate', (_name, settings) => {
    const material = load({ truststore: settings() });
    expect(material.trustedCertificates).toHaveLength(1);
    expect(material.trustedCertificates![0].raw.equals(new X509Certificate(pki.caPem).raw)).toBe(true);
    expect(material.ca).toEqual([new X509Certificate(pki.caPem).toString()]);
  });

  it('a wrong password, a missing password, a missing file, another format, an unsupported type: one line each', () => {
    expect(failure({ truststore: trust(pki.trustP12, 'wrong') })).toBe(
      `Could not open the truststore ${pki.trustP12}: wrong password (security.ssl.rest.truststore-password).`,
    );
    expect(failure({ truststore: trust(pki.trustJks, 'wrong') })).toBe(
      `Could not open the truststore ${pki.trustJks}: wrong password (security.ssl.rest.truststore-password).`,
    );
    expect(failure({ truststore: trust(pki.trustP12, null) })).toBe(
      `The truststore ${pki.trustP12} is a PKCS12 store and needs its password: set security.ssl.rest.truststore-password.`,
    );
    const missing = path.join(dir, 'nope.p12');
    expect(failure({ truststore: trust(missing) })).toBe(`Could not read the truststore ${missing} (security.ssl.rest.truststore): no such file.`);
    const garbage = path.join(dir, 'garbage.bin');
    writeFileSync(garbage, 'not a key store at all');
    expect(failure({ truststore: trust(garbage) })).toBe(`The truststore ${garbage} (security.ssl.rest.truststore) is neither a PKCS12, a JKS nor a PEM file.`);
    expect(failure({ truststore: trust(pki.trustP12, STORE_PASSWORD, 'BCFKS') })).toBe(
      'The truststore type BCFKS (security.ssl.rest.truststore-type) is not supported: use PKCS12, JKS or PEM.',
    );
  });

  it('a JCEKS store is refused with the keytool command that converts it', async () => {
    const jceks = path.join(dir, 'trust.jceks');
    await run('keytool', [
      '-importcert',
      '-noprompt',
      '-alias',
      'ca',
      '-file',
      path.join(pki.dir, 'test-ca.pem'),
      '-keystore',
      jceks,
      '-storetype',
      'JCEKS',
      '-storepass',
      STORE_PASSWORD,
    ]);
    expect(failure({ truststore: trust(jceks) })).toBe(
      `The truststore ${jceks} is a JCEKS store, which is not supported: convert it with keytool -importkeystore -deststoretype PKCS12.`,
    );
  }, 30_000);
});

describe('keystores', () => {
  const expectClient = (material: ReturnType<typeof load>) => {
    expect(material.clientSubject).toBe('CN=flink-client');
    const chain = material.cert!.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)!.map((p) => new X509Certificate(p));
    expect(chain.map((c) => c.subject)).toEqual(['CN=flink-client', 'CN=test-ca']);
    // The key is the certificate's.
    const publicOfKey = createPublicKey(createPrivateKey(material.key!)).export({ type: 'spki', format: 'der' });
    expect(publicOfKey.equals(chain[0].publicKey.export({ type: 'spki', format: 'der' }))).toBe(true);
  };

  it('keytool PKCS12: key and chain (the key password defaults to the store password, as keytool makes them)', () => {
    expectClient(load({ keystore: keystore(pki.clientP12) }));
    expectClient(load({ keystore: keystore(pki.clientP12, STORE_PASSWORD, STORE_PASSWORD) }));
  });

  it('keytool JKS with a key password of its own', () => {
    expectClient(load({ keystore: keystore(pki.clientJks, STORE_PASSWORD, KEY_PASSWORD) }));
    expect(failure({ keystore: keystore(pki.clientJks, STORE_PASSWORD, 'wrong') })).toBe(
      `Could not decrypt the private key in the keystore ${pki.clientJks}: wrong key password (security.ssl.rest.key-password).`,
    );
    expect(failure({ keystore: keystore(pki.clientJks) })).toBe(
      `Could not decrypt the private key in the keystore ${pki.clientJks}: it has its own password; set security.ssl.rest.key-password.`,
    );
    expect(failure({ keystore: keystore(pki.clientJks, 'wrong', KEY_PASSWORD) })).toBe(
      `Could not open the keystore ${pki.clientJks}: wrong password (security.ssl.rest.keystore-password).`,
    );
  });

  it('a PKCS12 store with a wrong store password, or a wrong key password', () => {
    expect(failure({ keystore: keystore(pki.clientP12, 'wrong') })).toBe(
      `Could not open the keystore ${pki.clientP12}: wrong password (security.ssl.rest.keystore-password).`,
    );
    expect(failure({ keystore: keystore(pki.clientP12, STORE_PASSWORD, 'wrong') })).toBe(
      `Could not decrypt the private key in the keystore ${pki.clientP12}: wrong key password (security.ssl.rest.key-password).`,
    );
  });

  it('OpenSSL stores: certificates not encrypted (the MAC checks the password) and 3DES', async () => {
    const macOnly = await opensslStore('mac-only', ['-certpbe', 'NONE']);
    expectClient(load({ keystore: keystore(macOnly) }));
    expect(failure({ keystore: keystore(macOnly, 'wrong', STORE_PASSWORD) })).toBe(
      `Could not open the keystore ${macOnly}: wrong password (security.ssl.rest.keystore-password).`,
    );
    const tripleDes = await opensslStore('3des', ['-certpbe', 'PBE-SHA1-3DES', '-keypbe', 'PBE-SHA1-3DES', '-macalg', 'sha1']);
    expectClient(load({ keystore: keystore(tripleDes) }));
  }, 30_000);

  it("RC2 (old keytool's and OpenSSL 1's default) is named, with the conversion", async () => {
    const rc2 = await opensslStore('rc2', ['-legacy']);
    expect(failure({ keystore: keystore(rc2) })).toBe(
      `Could not open the keystore ${rc2} (security.ssl.rest.keystore): it is encrypted with 40-bit RC2, which this Node.js (OpenSSL 3) no longer decrypts; re-encrypt it with a current keytool: keytool -importkeystore -srckeystore <store> -destkeystore <new.p12> -deststoretype PKCS12.`,
    );
  }, 30_000);

  it('PEM: key and certificates in one file, the key encrypted with the key password', async () => {
    const pem = path.join(dir, 'client-encrypted.pem');
    await run('openssl', ['pkcs12', '-in', pki.clientP12, '-passin', `pass:${STORE_PASSWORD}`, '-passout', `pass:${KEY_PASSWORD}`, '-out', pem]);
    expectClient(load({ keystore: keystore(pem, null, KEY_PASSWORD) }));
    expect(failure({ keystore: keystore(pem, null, 'wrong') })).toBe(
      `Could not decrypt the private key in ${pem}: wrong key password (security.ssl.rest.key-password).`,
    );
  }, 30_000);

  it('a store without a private key is not a keystore', () => {
    expect(failure({ keystore: keystore(pki.trustP12) })).toBe(`The keystore ${pki.trustP12} (security.ssl.rest.keystore) holds no private key.`);
  });
});
