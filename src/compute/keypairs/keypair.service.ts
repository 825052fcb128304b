import { Injectable } from '@nestjs/common';
import { KeyPairRepository, PrismaService, QuotaStore, type KeyPair } from '@nefos/database';
import { badRequest, conflict, notFound } from '../../common/errors/domain.error';
import type { AuthContext } from '../../identity/auth/auth-context';
import { generateRsaKeyPair, InvalidPublicKeyError, parsePublicKey } from './ssh-keys';

export interface CreatedKeyPair {
  row: KeyPair;
  /** Only for generated key pairs, shown once and never stored. */
  privateKey?: string;
}

function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: string }).code === 'P2002' || /unique constraint/i.test(String(err));
}

/** Key pairs belong to the user; their count is charged to the project that created them. */
@Injectable()
export class KeyPairService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly keypairs: KeyPairRepository,
    private readonly quotas: QuotaStore,
  ) {}

  list(auth: AuthContext): Promise<KeyPair[]> {
    return this.keypairs.list(auth.userId);
  }

  async get(auth: AuthContext, name: string): Promise<KeyPair> {
    const row = await this.keypairs.find(auth.userId, name);
    if (!row) throw notFound(`Keypair ${name} not found for user ${auth.userId}`);
    return row;
  }

  async create(auth: AuthContext, name: string, publicKey?: string): Promise<CreatedKeyPair> {
    // Checked again under the transaction; this spares generating a key for a name in use.
    if (await this.keypairs.find(auth.userId, name))
      throw conflict(`Key pair '${name}' already exists.`);
    let material: { publicKey: string; fingerprint: string; type: string; privateKey?: string };
    if (publicKey === undefined) {
      const g = generateRsaKeyPair();
      material = {
        publicKey: g.publicKey,
        fingerprint: g.fingerprint,
        type: 'ssh',
        privateKey: g.privateKey,
      };
    } else {
      try {
        const parsed = parsePublicKey(publicKey);
        material = { publicKey: parsed.text, fingerprint: parsed.fingerprint, type: 'ssh' };
      } catch (err) {
        if (err instanceof InvalidPublicKeyError) {
          throw badRequest(`Keypair data is invalid: ${err.message}`);
        }
        throw err;
      }
    }
    const projectId = auth.projectId!;
    try {
      const row = await this.prisma.$transaction(async (tx) => {
        if (await this.keypairs.find(auth.userId, name, tx))
          throw conflict(`Key pair '${name}' already exists.`);
        await this.quotas.charge(tx, projectId, { key_pairs: 1 });
        return this.keypairs.create(
          {
            userId: auth.userId,
            projectId,
            name,
            type: material.type,
            publicKey: material.publicKey,
            fingerprint: material.fingerprint,
          },
          tx,
        );
      });
      return { row, privateKey: material.privateKey };
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(`Key pair '${name}' already exists.`);
      throw err;
    }
  }

  async delete(auth: AuthContext, name: string): Promise<void> {
    await this.prisma.$transaction(async (tx) => {
      const row = await this.keypairs.delete(auth.userId, name, tx);
      if (!row) throw notFound(`Keypair ${name} not found for user ${auth.userId}`);
      await this.quotas.charge(tx, row.projectId ?? auth.projectId!, { key_pairs: -1 });
    });
  }
}
