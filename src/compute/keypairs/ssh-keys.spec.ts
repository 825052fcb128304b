import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateRsaKeyPair, InvalidPublicKeyError, parsePublicKey } from './ssh-keys';

/** ssh-keygen is the reference for what OpenSSH computes. */
function sshKeygen(args: string[]): string {
  return execFileSync('ssh-keygen', args, { encoding: 'utf8' });
}

describe('ssh keys', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'nefos-ssh-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(['rsa', 'ed25519', 'ecdsa'])(
    'fingerprints an imported %s key as ssh-keygen -E md5 does',
    (type) => {
      const file = join(dir, `id_${type}`);
      sshKeygen(['-q', '-t', type, '-N', '', '-C', 'me@host', '-f', file]);
      const line = readFileSync(`${file}.pub`, 'utf8');
      const expected = sshKeygen(['-l', '-E', 'md5', '-f', `${file}.pub`])
        .split(' ')[1]
        .replace(/^MD5:/, '');
      const parsed = parsePublicKey(line);
      expect(parsed.fingerprint).toBe(expected);
      expect(parsed.text).toBe(line.trim());
    },
  );

  it('generates an RSA key pair whose private key ssh-keygen accepts and whose public key matches', () => {
    const pair = generateRsaKeyPair();
    const file = join(dir, 'generated');
    writeFileSync(file, pair.privateKey, { mode: 0o600 });
    expect(pair.privateKey).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
    const derived = sshKeygen(['-y', '-f', file]).trim();
    expect(pair.publicKey.startsWith(derived)).toBe(true);
    writeFileSync(`${file}.pub`, pair.publicKey + '\n');
    const expected = sshKeygen(['-l', '-E', 'md5', '-f', `${file}.pub`])
      .split(' ')[1]
      .replace(/^MD5:/, '');
    expect(pair.fingerprint).toBe(expected);
    expect(parsePublicKey(pair.publicKey).fingerprint).toBe(pair.fingerprint);
  });

  it.each([
    ['', 'expected'],
    ['ssh-rsa', 'expected'],
    ['ssh-foo AAAA', 'unsupported key type'],
    ['ssh-rsa not*base64', 'not base64'],
    ['ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIGZha2U=', 'not a ssh-rsa key'],
    ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAA2Zvbw==', '32 bytes'],
    ['ssh-rsa AAAAB3NzaC1yc2EAAAADAQAB', 'truncated'],
  ])('refuses %j', (key, why) => {
    expect(() => parsePublicKey(key)).toThrow(InvalidPublicKeyError);
    expect(() => parsePublicKey(key)).toThrow(why);
  });
});
