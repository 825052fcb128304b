import { Controller, Get, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Public } from '../identity/policy/policy.decorator';
import { HealthService } from './health.service';

/** Liveness and dependency check for load balancers and operators; no token needed. */
@Public()
@Controller('healthz')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  async get(@Res() res: Response): Promise<void> {
    const result = await this.health.check();
    res
      .status(result.ok ? 200 : 503)
      .json({ status: result.ok ? 'ok' : 'degraded', dependencies: result.dependencies });
  }
}
