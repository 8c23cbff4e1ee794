// A minimal reader of ASN.1 DER (and the BER indefinite lengths some PKCS#12 writers use): enough to walk
// PKCS#12 and the key entries of Java key stores. Reads only; every malformed input throws a StoreFormatError.

export class StoreFormatError extends Error {}

export const TAG = { INTEGER: 0x02, OCTET_STRING: 0x04, NULL: 0x05, OID: 0x06, SEQUENCE: 0x30, SET: 0x31, CONTEXT_0: 0xa0 } as const;

export class Der {
  constructor(
    /** The identifier octet (class, constructed bit and number; multi-byte tags are not needed here). */
    readonly tag: number,
    /** The contents octets. */
    readonly content: Buffer,
    /** The whole encoding (identifier, length and contents). */
    readonly encoded: Buffer,
  ) {}

  get constructed(): boolean {
    return (this.tag & 0x20) !== 0;
  }

  /** The elements of a constructed value. */
  get children(): Der[] {
    if (!this.constructed) throw new StoreFormatError(`expected a constructed value, found tag 0x${this.tag.toString(16)}`);
    const out: Der[] = [];
    for (let pos = 0; pos < this.content.length;) {
      const { der, next } = readAt(this.content, pos);
      if (der === undefined) break; // end-of-contents of an indefinite length
      out.push(der);
      pos = next;
    }
    return out;
  }

  child(index: number, tag?: number): Der {
    const found = this.children[index];
    if (found === undefined || (tag !== undefined && found.tag !== tag)) throw new StoreFormatError(`unexpected structure (element ${index})`);
    return found;
  }

  /** An OCTET STRING's bytes, also when BER split it into a constructed string of pieces. */
  get octets(): Buffer {
    if ((this.tag & 0x1f) !== TAG.OCTET_STRING) throw new StoreFormatError('expected an OCTET STRING');
    return this.constructed ? Buffer.concat(this.children.map((c) => c.octets)) : this.content;
  }

  get oid(): string {
    if (this.tag !== TAG.OID || this.content.length === 0) throw new StoreFormatError('expected an OBJECT IDENTIFIER');
    const parts: number[] = [];
    let value = 0;
    for (const byte of this.content) {
      value = value * 128 + (byte & 0x7f);
      if ((byte & 0x80) === 0) {
        parts.push(value);
        value = 0;
      }
    }
    const first = parts[0] < 80 ? Math.floor(parts[0] / 40) : 2;
    return [first, parts[0] - first * 40, ...parts.slice(1)].join('.');
  }

  get int(): number {
    if (this.tag !== TAG.INTEGER || this.content.length > 6) throw new StoreFormatError('expected a small INTEGER');
    return this.content.readUIntBE(0, this.content.length);
  }
}

/** The one value that makes up `buffer` (trailing bytes are an error). */
export function parseDer(buffer: Buffer): Der {
  const { der, next } = readAt(buffer, 0);
  if (der === undefined || next !== buffer.length) throw new StoreFormatError('not a single DER value');
  return der;
}

function readAt(buffer: Buffer, start: number): { der?: Der; next: number } {
  if (start + 2 > buffer.length) throw new StoreFormatError('truncated');
  const tag = buffer[start];
  if ((tag & 0x1f) === 0x1f) throw new StoreFormatError('multi-byte tags are not supported');
  let pos = start + 1;
  const first = buffer[pos++];
  if (tag === 0 && first === 0) return { next: pos }; // end-of-contents
  if (first === 0x80) {
    // BER indefinite length: the contents run up to the matching end-of-contents octets.
    let end = pos;
    for (;;) {
      const { der, next } = readAt(buffer, end);
      if (der === undefined) {
        const content = buffer.subarray(pos, end);
        return { der: new Der(tag, content, buffer.subarray(start, next)), next };
      }
      end = next;
    }
  }
  let length = first;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count > 4 || pos + count > buffer.length) throw new StoreFormatError('bad length');
    length = buffer.readUIntBE(pos, count);
    pos += count;
  }
  if (pos + length > buffer.length) throw new StoreFormatError('truncated');
  return { der: new Der(tag, buffer.subarray(pos, pos + length), buffer.subarray(start, pos + length)), next: pos + length };
}
