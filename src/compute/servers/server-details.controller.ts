import { Body, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiBody, ApiOperation } from '@nestjs/swagger';
import { badRequest, notFound } from '../../common/errors/domain.error';
import type { AuthContext } from '../../identity/auth/auth-context';
import { CurrentAuth } from '../../identity/auth/current-auth.decorator';
import { Policy } from '../../identity/policy/policy.decorator';
import { ComputeController } from '../common/compute.decorators';
import { openApiSchema, parseInput, requireObjectBody } from '../common/validation';
import { metadataBodySchema, metaItemBodySchema } from './server.schemas';
import { serverAddresses } from './server.view';
import { ServerMetadataService } from './server-metadata.service';
import { ServerQueryService } from './server-query.service';

function ipsView(addresses: ReturnType<typeof serverAddresses>) {
  return Object.fromEntries(
    Object.entries(addresses).map(([net, list]) => [
      net,
      list.map((a) => ({ version: a.version, addr: a.addr })),
    ]),
  );
}

/** A server's addresses, metadata and security groups. */
@ComputeController('servers/:id', 'servers')
export class ServerDetailsController {
  constructor(
    private readonly query: ServerQueryService,
    private readonly metadata: ServerMetadataService,
  ) {}

  @Get('ips')
  @Policy('compute:servers:ips')
  @ApiOperation({ summary: "List a server's addresses by network" })
  async ips(@CurrentAuth() auth: AuthContext, @Param('id') id: string) {
    return { addresses: ipsView(serverAddresses(await this.query.get(auth, id))) };
  }

  @Get('ips/:network')
  @Policy('compute:servers:ips')
  @ApiOperation({ summary: "Show a server's addresses on one network" })
  async ipsOf(
    @CurrentAuth() auth: AuthContext,
    @Param('id') id: string,
    @Param('network') network: string,
  ) {
    const all = ipsView(serverAddresses(await this.query.get(auth, id)));
    if (!(network in all)) throw notFound('Instance is not a member of specified network');
    return { [network]: all[network] };
  }

  @Get('os-security-groups')
  @Policy('compute:servers:security_groups')
  @ApiOperation({ summary: "List a server's security groups (none until security groups exist)" })
  async securityGroups(@CurrentAuth() auth: AuthContext, @Param('id') id: string) {
    await this.query.get(auth, id);
    return { security_groups: [] };
  }

  @Get('metadata')
  @Policy('compute:servers:metadata:get')
  @ApiOperation({ summary: 'List server metadata' })
  async list(@CurrentAuth() auth: AuthContext, @Param('id') id: string) {
    return { metadata: await this.metadata.get(auth, id) };
  }

  @Post('metadata')
  @HttpCode(200)
  @Policy('compute:servers:metadata:update')
  @ApiOperation({ summary: 'Add or update server metadata items' })
  @ApiBody({ schema: openApiSchema(metadataBodySchema) })
  async update(@CurrentAuth() auth: AuthContext, @Param('id') id: string, @Body() body: unknown) {
    const { metadata } = parseInput(metadataBodySchema, requireObjectBody(body));
    return { metadata: await this.metadata.set(auth, id, metadata, false) };
  }

  @Put('metadata')
  @Policy('compute:servers:metadata:update')
  @ApiOperation({ summary: 'Replace all server metadata' })
  @ApiBody({ schema: openApiSchema(metadataBodySchema) })
  async replace(@CurrentAuth() auth: AuthContext, @Param('id') id: string, @Body() body: unknown) {
    const { metadata } = parseInput(metadataBodySchema, requireObjectBody(body));
    return { metadata: await this.metadata.set(auth, id, metadata, true) };
  }

  @Get('metadata/:key')
  @Policy('compute:servers:metadata:get')
  @ApiOperation({ summary: 'Show one server metadata item' })
  async item(@CurrentAuth() auth: AuthContext, @Param('id') id: string, @Param('key') key: string) {
    return { meta: { [key]: await this.metadata.item(auth, id, key) } };
  }

  @Put('metadata/:key')
  @Policy('compute:servers:metadata:update')
  @ApiOperation({ summary: 'Create or replace one server metadata item' })
  @ApiBody({ schema: openApiSchema(metaItemBodySchema) })
  async setItem(
    @CurrentAuth() auth: AuthContext,
    @Param('id') id: string,
    @Param('key') key: string,
    @Body() body: unknown,
  ) {
    const { meta } = parseInput(metaItemBodySchema, requireObjectBody(body));
    const keys = Object.keys(meta);
    if (keys.length !== 1)
      throw badRequest('Invalid input for field/attribute meta: exactly one item is required');
    if (keys[0] !== key) throw badRequest('Request body and URI mismatch');
    await this.metadata.set(auth, id, meta, false);
    return { meta };
  }

  @Delete('metadata/:key')
  @HttpCode(204)
  @Policy('compute:servers:metadata:update')
  @ApiOperation({ summary: 'Delete one server metadata item' })
  async deleteItem(
    @CurrentAuth() auth: AuthContext,
    @Param('id') id: string,
    @Param('key') key: string,
  ): Promise<void> {
    await this.metadata.delete(auth, id, key);
  }
}
