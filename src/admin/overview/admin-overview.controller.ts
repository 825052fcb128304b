import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { NEFOS_CONFIG, NEFOS_LOGGER, type Logger, type NefosConfig } from '@nefos/contracts';
import { Policy } from '../../identity/policy/policy.decorator';
import { OverviewService, type Overview } from './overview.service';

@ApiTags('admin')
@ApiSecurity('token')
@Controller('admin/api')
export class AdminOverviewController {
  constructor(
    private readonly overview: OverviewService,
    @Inject(NEFOS_CONFIG) private readonly config: NefosConfig,
    @Inject(NEFOS_LOGGER) private readonly log: Logger,
  ) {}

  @Get('overview')
  @Policy('admin:overview:get')
  @ApiOperation({
    summary:
      'Servers by state, stuck servers, backends with capacity and heartbeat, reconciliation results, event queues',
  })
  get(): Promise<Overview> {
    return this.overview.overview();
  }

  /**
   * Server-sent events: an `overview` event at once and every NEFOS_ADMIN_REFRESH seconds, so
   * the dashboard updates without reloading. The token goes in `X-Auth-Token` like every call
   * (the dashboard reads the stream with fetch, not EventSource, which cannot send headers).
   */
  @Get('stream')
  @Policy('admin:overview:get')
  @ApiProduces('text/event-stream')
  @ApiOperation({ summary: 'Live updates: `event: overview` with the overview document, repeated' })
  stream(@Req() req: Request, @Res() res: Response): void {
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    let closed = false;
    let timer: NodeJS.Timeout | null = null;
    const push = async (): Promise<void> => {
      try {
        const data = await this.overview.overview();
        if (!closed) res.write(`event: overview\ndata: ${JSON.stringify(data)}\n\n`);
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'admin stream: overview failed');
        if (!closed)
          res.write(
            `event: problem\ndata: ${JSON.stringify({ message: (err as Error).message })}\n\n`,
          );
      }
      if (!closed)
        timer = setTimeout(() => void push(), this.config.ops.adminRefreshSeconds * 1000);
    };
    req.on('close', () => {
      closed = true;
      if (timer) clearTimeout(timer);
    });
    res.write(`retry: ${this.config.ops.adminRefreshSeconds * 1000}\n\n`);
    void push();
  }
}
