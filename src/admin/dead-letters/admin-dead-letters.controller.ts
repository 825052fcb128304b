import { Controller, Delete, Get, HttpCode, Inject, Param, Post, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiQuery, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { z } from 'zod';
import { NEFOS_LOGGER, type Logger } from '@nefos/contracts';
import { conflict, notFound } from '../../common/errors/domain.error';
import { Policy } from '../../identity/policy/policy.decorator';
import { parseAdminInput, queryLimit } from '../common/admin-input';
import { DeadLetterStore, type DeadLetterView } from './dead-letter.store';

@ApiTags('admin')
@ApiSecurity('token')
@Controller('admin/api/dead-letters')
export class AdminDeadLettersController {
  constructor(
    private readonly store: DeadLetterStore,
    @Inject(NEFOS_LOGGER) private readonly log: Logger,
  ) {}

  @Get()
  @Policy('admin:dead-letters:list')
  @ApiOperation({
    summary: 'Event messages that were malformed or failed every attempt, oldest first',
  })
  @ApiQuery({ name: 'offset', required: false, type: Number })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: '1-500, default 50' })
  list(
    @Query() query: Record<string, unknown>,
  ): Promise<{ total: number; deadLetters: DeadLetterView[] }> {
    const q = parseAdminInput(
      z
        .object({ offset: z.coerce.number().int().min(0).default(0), limit: queryLimit(500, 50) })
        .strict(),
      query,
      'query',
    );
    return this.store.list(q.offset, q.limit);
  }

  @Post(':id/replay')
  @HttpCode(202)
  @Policy('admin:dead-letters:replay')
  @ApiParam({ name: 'id', description: 'dead-letter entry id' })
  @ApiOperation({ summary: 'Put the message back on its queue under its original job id' })
  async replay(
    @Param('id') id: string,
    @Req() req: Request & { requestId?: string },
  ): Promise<{ queue: string; jobId: string }> {
    const r = await this.store.replay(id);
    if (r === null) throw notFound(`Dead letter ${id} could not be found.`);
    if (r === 'unreadable')
      throw conflict(`Dead letter ${id} is unreadable and cannot be replayed; drop it.`);
    this.log.info({ requestId: req.requestId, deadLetter: id, ...r }, 'dead letter replayed');
    return r;
  }

  @Delete(':id')
  @HttpCode(204)
  @Policy('admin:dead-letters:delete')
  @ApiParam({ name: 'id' })
  @ApiOperation({ summary: 'Drop a dead letter for good' })
  async drop(@Param('id') id: string, @Req() req: Request & { requestId?: string }): Promise<void> {
    if (!(await this.store.drop(id))) throw notFound(`Dead letter ${id} could not be found.`);
    this.log.info({ requestId: req.requestId, deadLetter: id }, 'dead letter dropped');
  }
}
