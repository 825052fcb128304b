import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { generate } from 'selfsigned';
import { writeFileAtomic } from '../common/atomic-file';

/** The RAPI key and certificate (Ganeti's rapi.pem: key and cert in one file), made on first start. */
export async function ensureRapiCert(
  file: string,
): Promise<{ key: string; cert: string; created: boolean }> {
  if (!existsSync(file)) {
    const pems = await generate([{ name: 'commonName', value: hostname() }], {
      keySize: 2048,
      notAfterDate: new Date(Date.now() + 3650 * 86400000),
      algorithm: 'sha256',
      extensions: [
        {
          name: 'subjectAltName',
          altNames: [
            { type: 2, value: hostname() },
            { type: 2, value: 'localhost' },
            { type: 7, ip: '127.0.0.1' },
          ],
        },
      ],
    });
    writeFileAtomic(file, pems.private + pems.cert, 0o600);
    const parsed = split(readFileSync(file, 'utf8'));
    return { ...parsed, created: true };
  }
  return { ...split(readFileSync(file, 'utf8')), created: false };
}

function split(pem: string): { key: string; cert: string } {
  const key = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]+?-----END [A-Z ]*PRIVATE KEY-----/.exec(
    pem,
  )?.[0];
  const cert = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem)?.[0];
  if (!key || !cert) throw new Error('the RAPI PEM file must hold a private key and a certificate');
  return { key: key + '\n', cert: cert + '\n' };
}
