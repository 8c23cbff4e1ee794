// Key and trust material for https from the stores Flink's configuration names: PKCS#12 and JKS (what Java's
// keytool writes) and PEM files, recognised by their content (as Java's "dual-format" key stores accept either
// for either type). Loaded only when TLS is configured; every problem is one line naming the store and the key.
import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { UnreachableError } from '../../domain/errors.js';
import { isJceks, isJks, readJks } from './jks.js';
import { isPkcs12, readPkcs12, StoreOpenError, type StoreContents } from './pkcs12.js';

/** One store as configured: its file, password and declared type, and the names of the keys that set them. */
export interface StoreSetting {
  path: string;
  password?: string;
  /** Declared type (PKCS12, JKS, PEM); the content decides, an unsupported type is refused. */
  type?: string;
  /** The configuration keys, for messages: e.g. security.ssl.rest.truststore and ...-password. */
  keys: { path: string; password: string };
}

export interface KeystoreSetting extends StoreSetting {
  /** Password of the private key; the store password when unset. */
  keyPassword?: string;
  keyPasswordKey: string;
}

export interface TlsSettings {
  /** The CA certificates to trust instead of Node's default CAs (and NODE_EXTRA_CA_CERTS). */
  truststore?: StoreSetting;
  /** The client certificate and key, for servers that require one (mutual TLS). */
  keystore?: KeystoreSetting;
  /** Check that the server's certificate names the host (default true). */
  verifyHostname: boolean;
  /** Send requests without verifying the server at all: only when the user asked for it by name. */
  insecure: boolean;
  /** A keystore that is configured but not sent (mutual TLS is off), for the message when the server wants one. */
  keystoreUnused?: string;
}

export interface TlsMaterial {
  ca?: string[];
  cert?: string;
  key?: string;
  /** The client certificate's subject, for messages. */
  clientSubject?: string;
  /** The client certificate, for `flink doctor`. */
  clientCertificate?: X509Certificate;
  trustedCertificates?: X509Certificate[];
}

const SUPPORTED_TYPES = ['PKCS12', 'JKS', 'PEM'];

export class TlsSetupError extends UnreachableError {}

/** Reads the stores of `settings` into what node:tls takes. Throws TlsSetupError (exit 4) with one line. */
export function loadTlsMaterial(settings: TlsSettings): TlsMaterial {
  const material: TlsMaterial = {};
  if (settings.truststore) {
    const store = settings.truststore;
    const certificates = openStore(store, 'truststore').certificates.map((der) => new X509Certificate(der));
    if (certificates.length === 0) throw new TlsSetupError(`The truststore ${store.path} (${store.keys.path}) holds no certificate.`);
    material.trustedCertificates = certificates;
    material.ca = certificates.map((c) => c.toString());
  }
  if (settings.keystore) {
    const store = settings.keystore;
    const contents = openStore(store, 'keystore', store.keyPassword ?? store.password ?? '');
    const chain = clientChain(store, contents);
    material.key = chain.key.export({ type: 'pkcs8', format: 'pem' }) as string;
    material.cert = chain.certificates.map((c) => c.toString()).join('');
    material.clientCertificate = chain.certificates[0];
    material.clientSubject = oneLine(chain.certificates[0].subject);
  }
  return material;
}

function openStore(store: StoreSetting, what: 'truststore' | 'keystore', keyPassword?: string): StoreContents {
  const type = store.type?.toUpperCase();
  if (type !== undefined && !SUPPORTED_TYPES.includes(type))
    throw new TlsSetupError(`The ${what} type ${store.type} (${store.keys.path}-type) is not supported: use PKCS12, JKS or PEM.`);
  let bytes: Buffer;
  try {
    bytes = readFileSync(store.path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (code ?? 'unreadable');
    throw new TlsSetupError(`Could not read the ${what} ${store.path} (${store.keys.path}): ${reason}.`);
  }
  if (isPem(bytes)) return readPem(bytes.toString('utf8'), store, what, keyPassword);
  if (isJceks(bytes))
    throw new TlsSetupError(
      `The ${what} ${store.path} is a JCEKS store, which is not supported: convert it with keytool -importkeystore -deststoretype PKCS12.`,
    );
  const format = isJks(bytes) ? 'JKS' : isPkcs12(bytes) ? 'PKCS12' : undefined;
  if (format === undefined) throw new TlsSetupError(`The ${what} ${store.path} (${store.keys.path}) is neither a PKCS12, a JKS nor a PEM file.`);
  if (store.password === undefined)
    throw new TlsSetupError(`The ${what} ${store.path} is a ${format} store and needs its password: set ${store.keys.password}.`);
  try {
    return format === 'JKS' ? readJks(bytes, store.password, keyPassword) : readPkcs12(bytes, store.password, keyPassword);
  } catch (error) {
    if (!(error instanceof StoreOpenError)) throw error;
    if (error.reason === 'password') throw new TlsSetupError(`Could not open the ${what} ${store.path}: wrong password (${store.keys.password}).`);
    if (error.reason === 'key-password') {
      // The store opened with its password, so the key has a password of its own.
      const setting = store as KeystoreSetting;
      if (setting.keyPassword === undefined)
        throw new TlsSetupError(`Could not decrypt the private key in the ${what} ${store.path}: it has its own password; set ${setting.keyPasswordKey}.`);
      throw new TlsSetupError(`Could not decrypt the private key in the ${what} ${store.path}: wrong key password (${setting.keyPasswordKey}).`);
    }
    throw new TlsSetupError(`Could not open the ${what} ${store.path} (${store.keys.path}): ${error.message}.`);
  }
}

function isPem(bytes: Buffer): boolean {
  return bytes.subarray(0, 4096).toString('latin1').includes('-----BEGIN ');
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]+?-----END \1-----/g;

function readPem(text: string, store: StoreSetting, what: string, keyPassword: string | undefined): StoreContents {
  const out: StoreContents = { certificates: [], keys: [] };
  for (const match of text.matchAll(PEM_BLOCK)) {
    const [block, label] = match;
    if (label === 'CERTIFICATE' || label === 'TRUSTED CERTIFICATE') {
      try {
        out.certificates.push(new X509Certificate(block).raw);
      } catch {
        throw new TlsSetupError(`The ${what} ${store.path} holds a certificate that is not valid PEM.`);
      }
    } else if (label.endsWith('PRIVATE KEY') && keyPassword !== undefined) {
      try {
        out.keys.push(createPrivateKey({ key: block, passphrase: keyPassword }));
      } catch (error) {
        const encrypted = label.startsWith('ENCRYPTED') || block.includes('Proc-Type: 4,ENCRYPTED');
        const setting = store as KeystoreSetting;
        if (encrypted && keyPassword === '') throw new TlsSetupError(`The private key in ${store.path} is encrypted: set ${setting.keyPasswordKey}.`);
        if (encrypted) throw new TlsSetupError(`Could not decrypt the private key in ${store.path}: wrong key password (${setting.keyPasswordKey}).`);
        throw new TlsSetupError(`Could not read the private key in ${store.path}: ${(error as Error).message}.`);
      }
    }
  }
  return out;
}

/** The key and the certificate chain that goes with it: the leaf (same public key), then its issuers in the store. */
function clientChain(store: KeystoreSetting, contents: StoreContents): { key: KeyObject; certificates: X509Certificate[] } {
  const certificates = contents.certificates.map((der) => new X509Certificate(der));
  for (const key of contents.keys) {
    const publicKey = createPublicKey(key).export({ type: 'spki', format: 'der' });
    const leaf = certificates.find((c) => c.publicKey.export({ type: 'spki', format: 'der' }).equals(publicKey));
    if (leaf === undefined) continue;
    const chain = [leaf];
    for (let next = issuerOf(leaf, certificates); next && !chain.includes(next); next = issuerOf(next, certificates)) chain.push(next);
    return { key, certificates: chain };
  }
  if (contents.keys.length === 0) throw new TlsSetupError(`The keystore ${store.path} (${store.keys.path}) holds no private key.`);
  throw new TlsSetupError(`The keystore ${store.path} (${store.keys.path}) holds no certificate for its private key.`);
}

function issuerOf(cert: X509Certificate, all: X509Certificate[]): X509Certificate | undefined {
  if (cert.checkIssued(cert)) return undefined; // self-signed: the end of the chain
  return all.find((c) => c !== cert && cert.checkIssued(c));
}

/** "CN=flink\nO=Example" as one line: "CN=flink, O=Example". */
export function oneLine(name: string): string {
  return name.split('\n').filter(Boolean).join(', ');
}
