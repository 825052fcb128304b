import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { NEFOS_CONFIG, type NefosConfig } from '@nefos/contracts';
import { bearerAccepted } from '@nefos/contracts/metrics';
import { unauthorized } from '../common/errors/domain.error';
import { Public } from '../identity/policy/policy.decorator';
import { ApiMetrics } from './api.metrics';

/**
 * Prometheus scrape endpoint. No Keystone token (a scraper has none); when `NEFOS_METRICS_TOKEN`
 * is set, scrapes must send it as a bearer token, as Prometheus' `authorization` setting does.
 */
@Public()
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: ApiMetrics,
    @Inject(NEFOS_CONFIG) private readonly config: NefosConfig,
  ) {}

  @Get()
  async scrape(@Req() req: Request, @Res() res: Response): Promise<void> {
    if (!bearerAccepted(req.headers.authorization, this.config.ops.metricsToken)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
      throw unauthorized('A valid metrics bearer token is required.');
    }
    const text = await this.metrics.registry.metrics();
    res.status(200).type(this.metrics.registry.contentType).send(text);
  }
}
