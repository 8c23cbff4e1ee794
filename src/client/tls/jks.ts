// Java's JKS key store format (what keytool wrote before Java 9 made PKCS#12 the default): trusted certificate
// entries, private key entries (key protected by Sun's SHA-1 stream scheme) with their chains, and a SHA-1
// integrity digest keyed by the store password.
import { createHash, createPrivateKey, timingSafeEqual } from 'node:crypto';
import { parseDer, StoreFormatError, TAG } from './der.js';
import { StoreOpenError, type StoreContents } from './pkcs12.js';

const JKS_MAGIC = 0xfeedfeed;
const JCEKS_MAGIC = 0xcececece;
const KEY_PROTECTOR_OID = '1.3.6.1.4.1.42.2.17.1.1';

export function isJks(bytes: Buffer): boolean {
  return bytes.length >= 4 && bytes.readUInt32BE(0) === JKS_MAGIC;
}

export function isJceks(bytes: Buffer): boolean {
  return bytes.length >= 4 && bytes.readUInt32BE(0) === JCEKS_MAGIC;
}

/** A Java password as the JKS digest and key protector use it: UTF-16 big-endian, no terminator. */
function passwordBytes(password: string): Buffer {
  const out = Buffer.alloc(password.length * 2);
  for (let i = 0; i < password.length; i++) out.writeUInt16BE(password.charCodeAt(i), i * 2);
  return out;
}

/** Opens a JKS store. `storePassword` checks the integrity digest; `keyPassword`, when given, decrypts the keys. */
export function readJks(bytes: Buffer, storePassword: string, keyPassword?: string): StoreContents {
  if (bytes.length < 32) throw new StoreOpenError('format', 'not a JKS store (truncated)');
  const body = bytes.subarray(0, bytes.length - 20);
  const digest = createHash('sha1').update(passwordBytes(storePassword)).update('Mighty Aphrodite', 'utf8').update(body).digest();
  if (!timingSafeEqual(digest, bytes.subarray(bytes.length - 20))) throw new StoreOpenError('password', 'wrong password (the integrity check failed)');
  const out: StoreContents = { certificates: [], keys: [] };
  let pos = 4;
  const u32 = () => {
    if (pos + 4 > body.length) throw new StoreOpenError('format', 'not a JKS store (truncated)');
    pos += 4;
    return body.readUInt32BE(pos - 4);
  };
  const take = (length: number) => {
    if (pos + length > body.length) throw new StoreOpenError('format', 'not a JKS store (truncated)');
    pos += length;
    return body.subarray(pos - length, pos);
  };
  const utf = () => take(body.readUInt16BE((pos += 2) - 2)).toString('utf8');
  const version = u32();
  if (version !== 1 && version !== 2) throw new StoreOpenError('format', `unknown JKS version ${version}`);
  const certificate = () => {
    if (version === 2) utf(); // the certificate type, "X.509"
    return Buffer.from(take(u32()));
  };
  for (let count = u32(); count > 0; count--) {
    const tag = u32();
    utf(); // alias
    take(8); // creation time
    if (tag === 1) {
      const protectedKey = take(u32());
      for (let chain = u32(); chain > 0; chain--) out.certificates.push(certificate());
      if (keyPassword !== undefined) out.keys.push(createPrivateKey({ key: recoverKey(protectedKey, keyPassword), format: 'der', type: 'pkcs8' }));
    } else if (tag === 2) out.certificates.push(certificate());
    else throw new StoreOpenError('format', `unknown JKS entry type ${tag}`);
  }
  return out;
}

/** Sun's key protector: salt(20) || key XOR a SHA-1 stream of (password, salt) || SHA-1(password || key). */
function recoverKey(encryptedPrivateKeyInfo: Buffer, password: string): Buffer {
  let data: Buffer;
  try {
    const info = parseDer(encryptedPrivateKeyInfo);
    if (info.child(0).child(0, TAG.OID).oid !== KEY_PROTECTOR_OID) throw new StoreOpenError('unsupported', 'a JKS key protected by an unknown algorithm');
    data = info.child(1).octets;
  } catch (error) {
    if (error instanceof StoreFormatError) throw new StoreOpenError('format', `not a JKS key entry (${error.message})`);
    throw error;
  }
  const pw = passwordBytes(password);
  const salt = data.subarray(0, 20);
  const encrypted = data.subarray(20, data.length - 20);
  const check = data.subarray(data.length - 20);
  const plain = Buffer.alloc(encrypted.length);
  let stream: Buffer = salt;
  for (let i = 0; i < encrypted.length; i++) {
    if (i % 20 === 0) stream = createHash('sha1').update(pw).update(stream).digest();
    plain[i] = encrypted[i] ^ stream[i % 20];
  }
  const digest = createHash('sha1').update(pw).update(plain).digest();
  if (!timingSafeEqual(digest, check)) throw new StoreOpenError('key-password', 'wrong key password');
  return plain;
}
