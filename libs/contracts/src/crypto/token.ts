import { createHash, randomBytes } from 'node:crypto';

/** An opaque bearer secret (tokens, console tokens): URL-safe, 256 bits. */
export function generateOpaqueToken(): string {
  return randomBytes(32).toString('base64url');
}

/** What is stored instead of a token: its SHA-256 in hex. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
