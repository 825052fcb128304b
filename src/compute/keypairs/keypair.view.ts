import type { KeyPair } from '@nefos/database';
import { isoMicros } from '../common/time';

/** The list entry (v2.1). */
export function keypairSummary(k: KeyPair): Record<string, unknown> {
  return { name: k.name, public_key: k.publicKey, fingerprint: k.fingerprint };
}

/** `GET /os-keypairs/{name}` (v2.1). */
export function keypairDetail(k: KeyPair): Record<string, unknown> {
  return {
    name: k.name,
    public_key: k.publicKey,
    fingerprint: k.fingerprint,
    user_id: k.userId,
    id: k.id,
    created_at: isoMicros(k.createdAt),
    deleted: false,
    deleted_at: null,
    updated_at: null,
  };
}
