import { Body, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse } from '@nestjs/swagger';
import { z } from 'zod/v4';
import type { AuthContext } from '../../identity/auth/auth-context';
import { CurrentAuth } from '../../identity/auth/current-auth.decorator';
import { Policy } from '../../identity/policy/policy.decorator';
import { ComputeController } from '../common/compute.decorators';
import { openApiSchema, parseInput, requireObjectBody } from '../common/validation';
import { KeyPairService } from './keypair.service';
import { keypairDetail, keypairSummary } from './keypair.view';

export const keypairCreateSchema = z.strictObject({
  keypair: z.strictObject({
    name: z
      .string()
      .min(1)
      .max(255)
      .regex(/^[a-zA-Z0-9 _-]+$/, {
        message: 'may hold letters, digits, "_", "-" and spaces only',
      }),
    public_key: z.string().max(16384).optional(),
  }),
});

@ComputeController('os-keypairs', 'keypairs')
export class KeypairsController {
  constructor(private readonly keypairs: KeyPairService) {}

  @Get()
  @Policy('compute:keypairs:list')
  @ApiOperation({ summary: "List the caller's key pairs" })
  async list(@CurrentAuth() auth: AuthContext) {
    const rows = await this.keypairs.list(auth);
    return { keypairs: rows.map((k) => ({ keypair: keypairSummary(k) })) };
  }

  @Post()
  @HttpCode(200)
  @Policy('compute:keypairs:create')
  @ApiOperation({
    summary: 'Import a public key, or generate a key pair (private key returned once)',
  })
  @ApiBody({ schema: openApiSchema(keypairCreateSchema) })
  @ApiResponse({ status: 409, description: 'A key pair with that name exists' })
  async create(@CurrentAuth() auth: AuthContext, @Body() body: unknown) {
    const { keypair } = parseInput(keypairCreateSchema, requireObjectBody(body));
    const { row, privateKey } = await this.keypairs.create(auth, keypair.name, keypair.public_key);
    return {
      keypair: {
        ...keypairSummary(row),
        user_id: row.userId,
        ...(privateKey !== undefined ? { private_key: privateKey } : {}),
      },
    };
  }

  @Get(':name')
  @Policy('compute:keypairs:get')
  @ApiOperation({ summary: 'Show a key pair' })
  async show(@CurrentAuth() auth: AuthContext, @Param('name') name: string) {
    return { keypair: keypairDetail(await this.keypairs.get(auth, name)) };
  }

  @Delete(':name')
  @HttpCode(202)
  @Policy('compute:keypairs:delete')
  @ApiOperation({ summary: 'Delete a key pair' })
  async delete(@CurrentAuth() auth: AuthContext, @Param('name') name: string): Promise<void> {
    await this.keypairs.delete(auth, name);
  }
}
