// PKCS#12 (RFC 7292) stores as Java's keytool and OpenSSL write them, read with node:crypto: the integrity
// MAC (HMAC with the PKCS#12 key derivation, or PBMAC1), encrypted certificate bags (PBES2 with PBKDF2 and
// AES, or the PKCS#12 3DES scheme) and shrouded key bags. A JavaScript PKCS#12 library (node-forge) was
// measured at ~0.9 s to open one keytool store here (its key derivation is pure JavaScript): too slow for a
// command that runs in a tenth of that.
import { createDecipheriv, createHmac, createPrivateKey, getHashes, hash as oneShotHash, createHash, pbkdf2Sync, type KeyObject } from 'node:crypto';
import { Der, parseDer, StoreFormatError, TAG } from './der.js';

/** Why a store could not be opened: the caller turns the reason into one line naming the store and the key. */
export class StoreOpenError extends Error {
  constructor(
    readonly reason: 'password' | 'key-password' | 'format' | 'unsupported',
    message: string,
  ) {
    super(message);
  }
}

export interface StoreContents {
  /** Every certificate in the store (DER), in store order. */
  certificates: Buffer[];
  /** The private keys, decrypted (only when a key password was given). */
  keys: KeyObject[];
}

const OID = {
  data: '1.2.840.113549.1.7.1',
  encryptedData: '1.2.840.113549.1.7.6',
  keyBag: '1.2.840.113549.1.12.10.1.1',
  shroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  safeContentsBag: '1.2.840.113549.1.12.10.1.6',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  pbmac1: '1.2.840.113549.1.5.14',
};

const DIGESTS: Record<string, string> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.4': 'sha224',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};
const HMACS: Record<string, string> = {
  '1.2.840.113549.2.7': 'sha1',
  '1.2.840.113549.2.8': 'sha224',
  '1.2.840.113549.2.9': 'sha256',
  '1.2.840.113549.2.10': 'sha384',
  '1.2.840.113549.2.11': 'sha512',
};
const CIPHERS: Record<string, string> = {
  '2.16.840.1.101.3.4.1.2': 'aes-128-cbc',
  '2.16.840.1.101.3.4.1.22': 'aes-192-cbc',
  '2.16.840.1.101.3.4.1.42': 'aes-256-cbc',
  '1.2.840.113549.3.7': 'des-ede3-cbc',
};
/** The PKCS#12 password-based schemes (SHA-1 key derivation): cipher and key length. */
const PKCS12_PBE: Record<string, { cipher: string; keyLength: number; name: string }> = {
  '1.2.840.113549.1.12.1.3': { cipher: 'des-ede3-cbc', keyLength: 24, name: '3DES' },
  '1.2.840.113549.1.12.1.4': { cipher: 'des-ede-cbc', keyLength: 16, name: '2-key 3DES' },
  '1.2.840.113549.1.12.1.5': { cipher: 'rc2-cbc', keyLength: 16, name: '128-bit RC2' },
  '1.2.840.113549.1.12.1.6': { cipher: 'rc2-40-cbc', keyLength: 5, name: '40-bit RC2' },
};

export function isPkcs12(bytes: Buffer): boolean {
  return bytes.length > 4 && bytes[0] === TAG.SEQUENCE;
}

/**
 * Opens a PKCS#12 store. `storePassword` checks the MAC and decrypts the certificates; `keyPassword`, when
 * given, decrypts the private keys (keytool always uses the store password for both).
 */
export function readPkcs12(bytes: Buffer, storePassword: string, keyPassword?: string): StoreContents {
  try {
    return read(bytes, storePassword, keyPassword);
  } catch (error) {
    if (error instanceof StoreFormatError) throw new StoreOpenError('format', `not a PKCS#12 store (${error.message})`);
    throw error;
  }
}

function read(bytes: Buffer, storePassword: string, keyPassword: string | undefined): StoreContents {
  const pfx = parseDer(bytes);
  const [version, authSafe, macData] = pfx.children;
  if (version?.int !== 3 || authSafe === undefined) throw new StoreFormatError('not a PFX version 3');
  if (authSafe.child(0, TAG.OID).oid !== OID.data) throw new StoreOpenError('unsupported', 'public-key integrity mode (a signed PKCS#12) is not supported');
  const content = authSafe.child(1, TAG.CONTEXT_0).child(0).octets;
  const out: StoreContents = { certificates: [], keys: [] };
  // The store password is proven by decrypting with it (keytool encrypts the certificates) or else by the MAC.
  // The MAC's key derivation (thousands of hash rounds, ~35 ms on a busy machine) runs only in the second case:
  // it would only add tamper evidence, and whoever can rewrite the store could as well replace it with a PEM file.
  let passwordProven = false;
  const keyBags: Der[] = [];
  for (const info of parseDer(content).children) {
    const type = info.child(0, TAG.OID).oid;
    if (type === OID.data) readBags(parseDer(info.child(1, TAG.CONTEXT_0).child(0).octets), out, keyBags);
    else if (type === OID.encryptedData) {
      // EncryptedData: version, EncryptedContentInfo { type, algorithm, [0] IMPLICIT encrypted octets }
      const encrypted = info.child(1, TAG.CONTEXT_0).child(0).child(1);
      const algorithm = encrypted.child(1);
      const data = encrypted.children[2];
      if (data === undefined) continue;
      const octets = data.constructed ? Buffer.concat(data.children.map((c) => c.content)) : data.content;
      // Without a MAC the store password is checked here only: a wrong one fails to decrypt.
      readBags(parseDer(decrypt(algorithm, octets, storePassword, 'password')), out, keyBags);
      passwordProven = true;
    }
  }
  if (!passwordProven && macData !== undefined) verifyMac(macData, content, storePassword);
  // Keys last: with the store password proven, a failure here is the key's own password.
  if (keyPassword !== undefined) for (const bag of keyBags) out.keys.push(readKey(bag, keyPassword));
  return out;
}

function readKey(bag: Der, keyPassword: string): KeyObject {
  const value = bag.child(1, TAG.CONTEXT_0).child(0);
  if (bag.child(0, TAG.OID).oid === OID.keyBag) return createPrivateKey({ key: value.encoded, format: 'der', type: 'pkcs8' });
  const plain = decrypt(value.child(0), value.child(1).octets, keyPassword, 'key-password');
  return createPrivateKey({ key: plain, format: 'der', type: 'pkcs8' });
}

function readBags(safeContents: Der, out: StoreContents, keyBags: Der[]): void {
  for (const bag of safeContents.children) {
    const type = bag.child(0, TAG.OID).oid;
    const value = bag.child(1, TAG.CONTEXT_0).child(0);
    if (type === OID.certBag) {
      if (value.child(0, TAG.OID).oid === OID.x509Certificate) out.certificates.push(value.child(1, TAG.CONTEXT_0).child(0).octets);
    } else if (type === OID.safeContentsBag) readBags(value, out, keyBags);
    else if (type === OID.keyBag || type === OID.shroudedKeyBag) keyBags.push(bag);
  }
}

function verifyMac(macData: Der, content: Buffer, password: string): void {
  const digestInfo = macData.child(0);
  const algorithm = digestInfo.child(0);
  const expected = digestInfo.child(1).octets;
  const oid = algorithm.child(0, TAG.OID).oid;
  let actual: Buffer;
  if (oid === OID.pbmac1) {
    // RFC 9579: the MAC key comes from PBKDF2 over the password's UTF-8 bytes.
    const params = algorithm.child(1);
    const kdf = pbkdf2Params(params.child(0));
    const hmac = hashOf(HMACS, params.child(1).child(0, TAG.OID).oid, 'MAC');
    const key = pbkdf2Sync(Buffer.from(password, 'utf8'), kdf.salt, kdf.iterations, kdf.keyLength ?? 32, kdf.prf);
    actual = createHmac(hmac, key).update(content).digest();
  } else {
    const digest = hashOf(DIGESTS, oid, 'MAC');
    const salt = macData.child(1).octets;
    const iterations = macData.children[2]?.int ?? 1;
    const key = pkcs12Kdf(digest, password, salt, 3, iterations, createHash(digest).digest().length);
    actual = createHmac(digest, key).update(content).digest();
  }
  if (!actual.equals(expected)) throw new StoreOpenError('password', 'wrong password (the integrity check failed)');
}

interface Pbkdf2Params {
  salt: Buffer;
  iterations: number;
  keyLength?: number;
  prf: string;
}

function pbkdf2Params(kdf: Der): Pbkdf2Params {
  if (kdf.child(0, TAG.OID).oid !== OID.pbkdf2) throw new StoreOpenError('unsupported', 'a key derivation other than PBKDF2');
  const params = kdf.child(1).children;
  const keyLength = params[2]?.tag === TAG.INTEGER ? params[2].int : undefined;
  const prf = params.find((p, i) => i >= 2 && p.tag === TAG.SEQUENCE);
  return { salt: params[0].octets, iterations: params[1].int, keyLength, prf: prf ? hashOf(HMACS, prf.child(0, TAG.OID).oid, 'PBKDF2') : 'sha1' };
}

/** Decrypts with a password-based scheme (PBES2 or PKCS#12's own); a wrong password throws `reason`. */
function decrypt(algorithm: Der, data: Buffer, password: string, reason: 'password' | 'key-password'): Buffer {
  const oid = algorithm.child(0, TAG.OID).oid;
  let cipher: string;
  let key: Buffer;
  let iv: Buffer;
  if (oid === OID.pbes2) {
    const params = algorithm.child(1);
    const kdf = pbkdf2Params(params.child(0));
    const scheme = params.child(1);
    const schemeOid = scheme.child(0, TAG.OID).oid;
    cipher = CIPHERS[schemeOid];
    if (cipher === undefined) throw new StoreOpenError('unsupported', `encryption ${schemeOid} is not supported`);
    iv = scheme.child(1).octets;
    const keyLength = kdf.keyLength ?? (cipher === 'des-ede3-cbc' ? 24 : Number(/\d+/.exec(cipher.slice(4))![0]) / 8);
    key = pbkdf2Sync(Buffer.from(password, 'utf8'), kdf.salt, kdf.iterations, keyLength, kdf.prf);
  } else if (PKCS12_PBE[oid]) {
    const scheme = PKCS12_PBE[oid];
    const params = algorithm.child(1);
    const salt = params.child(0).octets;
    const iterations = params.child(1).int;
    cipher = scheme.cipher;
    key = pkcs12Kdf('sha1', password, salt, 1, iterations, scheme.keyLength);
    iv = pkcs12Kdf('sha1', password, salt, 2, iterations, 8);
    if (scheme.cipher.startsWith('rc2')) {
      throw new StoreOpenError(
        'unsupported',
        `it is encrypted with ${scheme.name}, which this Node.js (OpenSSL 3) no longer decrypts; re-encrypt it with a current keytool: keytool -importkeystore -srckeystore <store> -destkeystore <new.p12> -deststoretype PKCS12`,
      );
    }
  } else throw new StoreOpenError('unsupported', `encryption ${oid} is not supported`);
  try {
    const decipher = createDecipheriv(cipher, key, iv);
    const plain = Buffer.concat([decipher.update(data), decipher.final()]);
    parseDer(plain); // a wrong key that happens to leave valid padding still yields no DER
    return plain;
  } catch (error) {
    if (error instanceof StoreOpenError) throw error;
    throw new StoreOpenError(reason, reason === 'password' ? 'wrong password' : 'wrong key password');
  }
}

function hashOf(table: Record<string, string>, oid: string, what: string): string {
  const name = table[oid];
  if (name === undefined || !getHashes().includes(name)) throw new StoreOpenError('unsupported', `${what} algorithm ${oid} is not supported`);
  return name;
}

const BLOCK_SIZE: Record<string, number> = { sha1: 64, sha224: 64, sha256: 64, sha384: 128, sha512: 128 };

// crypto.hash (Node >= 20.12) is a one-shot digest several times faster than createHash in a loop; the MAC's
// key derivation runs it thousands of times.
const digestOnce: (algorithm: string, data: Buffer) => Buffer =
  typeof oneShotHash === 'function'
    ? (algorithm, data) => oneShotHash(algorithm, data, 'buffer') as unknown as Buffer
    : (algorithm, data) => createHash(algorithm).update(data).digest();

/** RFC 7292 appendix B.2: key material from a password (as a BMPString with its terminating zero). */
export function pkcs12Kdf(digest: string, password: string, salt: Buffer, id: number, iterations: number, length: number): Buffer {
  const v = BLOCK_SIZE[digest];
  const bmp = Buffer.alloc((password.length + 1) * 2);
  for (let i = 0; i < password.length; i++) bmp.writeUInt16BE(password.charCodeAt(i), i * 2);
  const fill = (source: Buffer) => {
    const out = Buffer.alloc(source.length === 0 ? 0 : v * Math.ceil(source.length / v));
    for (let i = 0; i < out.length; i++) out[i] = source[i % source.length];
    return out;
  };
  const I = Buffer.concat([fill(salt), fill(bmp)]);
  const D = Buffer.alloc(v, id);
  const blocks: Buffer[] = [];
  for (let produced = 0; produced < length;) {
    let A = digestOnce(digest, Buffer.concat([D, I]));
    for (let r = 1; r < iterations; r++) A = digestOnce(digest, A);
    blocks.push(A);
    produced += A.length;
    if (produced >= length) break;
    const B = fill(A);
    for (let j = 0; j < I.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = I[j + k] + B[k] + carry;
        I[j + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return Buffer.concat(blocks).subarray(0, length);
}
