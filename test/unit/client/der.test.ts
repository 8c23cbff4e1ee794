// The DER reader under the key store parsers: definite and BER indefinite lengths (some PKCS#12 writers use
// them), constructed OCTET STRINGs, object identifiers, and malformed input as StoreFormatError.
import { describe, expect, it } from '@jest/globals';
import { parseDer, StoreFormatError, TAG } from '../../../src/client/tls/der.js';

describe('DER reader', () => {
  it('reads a definite-length SEQUENCE with an INTEGER, an OID and a long-form length', () => {
    const long = Buffer.alloc(200, 7);
    const der = Buffer.concat([
      Buffer.from([0x30, 0x81, 3 + 11 + 3 + 200]),
      Buffer.from([0x02, 0x01, 0x03]),
      Buffer.from([0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01]),
      Buffer.from([0x04, 0x81, 200]),
      long,
    ]);
    const seq = parseDer(der);
    expect(seq.tag).toBe(TAG.SEQUENCE);
    expect(seq.child(0, TAG.INTEGER).int).toBe(3);
    expect(seq.child(1, TAG.OID).oid).toBe('1.2.840.113549.1.7.1');
    expect(seq.child(2).octets.equals(long)).toBe(true);
    expect(seq.encoded.equals(der)).toBe(true);
  });

  it('reads BER indefinite lengths and a constructed OCTET STRING as one value', () => {
    // SEQUENCE (indefinite) { INTEGER 3, OCTET STRING (constructed, indefinite) { aa bb, cc } }
    const ber = Buffer.from([0x30, 0x80, 0x02, 0x01, 0x03, 0x24, 0x80, 0x04, 0x02, 0xaa, 0xbb, 0x04, 0x01, 0xcc, 0x00, 0x00, 0x00, 0x00]);
    const seq = parseDer(ber);
    expect(seq.children).toHaveLength(2);
    expect(seq.child(0).int).toBe(3);
    expect(seq.child(1).octets).toEqual(Buffer.from([0xaa, 0xbb, 0xcc]));
  });

  it('refuses truncated input, trailing bytes and wrong types', () => {
    expect(() => parseDer(Buffer.from([0x30, 0x05, 0x02, 0x01]))).toThrow(StoreFormatError);
    expect(() => parseDer(Buffer.from([0x02, 0x01, 0x03, 0x00]))).toThrow(StoreFormatError);
    expect(() => parseDer(Buffer.from([0x02, 0x01, 0x03])).oid).toThrow(StoreFormatError);
    expect(() => parseDer(Buffer.from([0x02, 0x01, 0x03])).children).toThrow(StoreFormatError);
  });
});
