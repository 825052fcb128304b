import { randomUUID } from 'node:crypto';

/** True when a write failed on a unique constraint (a name that was just taken by another request). */
export function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: string } | null)?.code === 'P2002';
}

/** A fresh Keystone-style id: 32 lower-case hex characters. */
export function newIdentityId(): string {
  return randomUUID().replace(/-/g, '');
}
