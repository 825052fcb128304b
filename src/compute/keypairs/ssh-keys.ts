import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';

/** Key types OpenSSH accepts in authorized_keys that Nova users import. */
const KEY_TYPES = new Set([
  'ssh-rsa',
  'ssh-dss',
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
]);

export class InvalidPublicKeyError extends Error {}

export interface ParsedPublicKey {
  type: string;
  blob: Buffer;
  /** `type base64 [comment]`, normalised to one line. */
  text: string;
  fingerprint: string;
}

/** Reads an SSH wire-format string (uint32 length + bytes) at `offset`. */
function readString(buf: Buffer, offset: number): { value: Buffer; next: number } {
  if (offset + 4 > buf.length) throw new InvalidPublicKeyError('truncated key data');
  const len = buf.readUInt32BE(offset);
  const end = offset + 4 + len;
  if (end > buf.length) throw new InvalidPublicKeyError('truncated key data');
  return { value: buf.subarray(offset + 4, end), next: end };
}

/** OpenSSH's legacy MD5 fingerprint (`ssh-keygen -l -E md5`), as Nova shows it. */
export function md5Fingerprint(blob: Buffer): string {
  const hex = createHash('md5').update(blob).digest('hex');
  return hex.match(/../g)!.join(':');
}

/**
 * Validates an OpenSSH public key line: a known type, base64 data whose embedded type matches,
 * and (for RSA) a key Node's crypto can load.
 */
export function parsePublicKey(input: string): ParsedPublicKey {
  const line = input.trim();
  if (line.includes('\n')) throw new InvalidPublicKeyError('the key must be a single line');
  const parts = line.split(/\s+/);
  if (parts.length < 2)
    throw new InvalidPublicKeyError('expected "<type> <base64 data> [comment]"');
  const [type, data, ...comment] = parts;
  if (!KEY_TYPES.has(type)) throw new InvalidPublicKeyError(`unsupported key type ${type}`);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(data))
    throw new InvalidPublicKeyError('key data is not base64');
  const blob = Buffer.from(data, 'base64');
  const embedded = readString(blob, 0);
  if (embedded.value.toString('latin1') !== type) {
    throw new InvalidPublicKeyError(`key data is not a ${type} key`);
  }
  if (type === 'ssh-rsa') {
    const e = readString(blob, embedded.next);
    const n = readString(blob, e.next);
    if (n.next !== blob.length) throw new InvalidPublicKeyError('trailing bytes after the key');
    try {
      createPublicKey({
        key: { kty: 'RSA', n: unsignedB64url(n.value), e: unsignedB64url(e.value) },
        format: 'jwk',
      });
    } catch {
      throw new InvalidPublicKeyError('the RSA key is not valid');
    }
    if (stripSign(n.value).length * 8 < 1024)
      throw new InvalidPublicKeyError('RSA keys must have at least 1024 bits');
  } else if (type === 'ssh-ed25519') {
    const key = readString(blob, embedded.next);
    if (key.value.length !== 32 || key.next !== blob.length) {
      throw new InvalidPublicKeyError('an ed25519 key has 32 bytes');
    }
  }
  const text = [type, data, ...comment].join(' ');
  return { type, blob, text, fingerprint: md5Fingerprint(blob) };
}

function stripSign(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
}

function unsignedB64url(b: Buffer): string {
  return stripSign(b).toString('base64url');
}

function sshString(b: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
}

/** An mpint: big-endian, with a leading zero byte when the high bit is set. */
function mpint(b: Buffer): Buffer {
  const v = stripSign(b);
  return sshString(v[0] & 0x80 ? Buffer.concat([Buffer.from([0]), v]) : v);
}

export interface GeneratedKeyPair {
  publicKey: string;
  privateKey: string;
  fingerprint: string;
}

/** A new 2048-bit RSA key pair: the private key in PEM (PKCS#1), shown to the user once. */
export function generateRsaKeyPair(comment = 'Generated-by-Nefos'): GeneratedKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicExponent: 0x10001,
  });
  const jwk = publicKey.export({ format: 'jwk' });
  const blob = Buffer.concat([
    sshString(Buffer.from('ssh-rsa')),
    mpint(Buffer.from(jwk.e!, 'base64url')),
    mpint(Buffer.from(jwk.n!, 'base64url')),
  ]);
  return {
    publicKey: `ssh-rsa ${blob.toString('base64')} ${comment}`,
    privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    fingerprint: md5Fingerprint(blob),
  };
}
