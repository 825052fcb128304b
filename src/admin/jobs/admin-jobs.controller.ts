import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiQuery, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { OP_STATUSES } from '@nefos/contracts';
import { Policy } from '../../identity/policy/policy.decorator';
import { parseAdminInput, queryLimit } from '../common/admin-input';
import { AdminJobsService, type AdminJob } from './admin-jobs.service';

@ApiTags('admin')
@ApiSecurity('token')
@Controller('admin/api')
export class AdminJobsController {
  constructor(private readonly jobs: AdminJobsService) {}

  @Get('jobs')
  @Policy('admin:jobs:list')
  @ApiOperation({ summary: 'Recent RAPI jobs of every online backend, newest first, with op logs' })
  @ApiQuery({ name: 'backend', required: false })
  @ApiQuery({ name: 'status', required: false, enum: OP_STATUSES })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: '1-500, default 50' })
  recent(
    @Query() query: Record<string, unknown>,
  ): Promise<{ jobs: AdminJob[]; errors: Array<{ backend: string; error: string }> }> {
    const q = parseAdminInput(
      z
        .object({
          backend: z.string().min(1).max(64).optional(),
          status: z.enum(OP_STATUSES).optional(),
          limit: queryLimit(500, 50),
        })
        .strict(),
      query,
      'query',
    );
    return this.jobs.recent(q);
  }

  @Get('backends/:name/jobs/:id')
  @Policy('admin:jobs:get')
  @ApiParam({ name: 'name' })
  @ApiParam({ name: 'id', type: Number })
  @ApiOperation({ summary: 'One job of a backend with its op log and results' })
  async job(@Param('name') name: string, @Param('id') id: string): Promise<{ job: AdminJob }> {
    const jobId = parseAdminInput(z.coerce.number().int().nonnegative(), id, 'job id');
    return { job: await this.jobs.job(name, jobId) };
  }
}
