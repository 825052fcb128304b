import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { projectRoot } from '@nefos/contracts';
import { notFound } from '../common/errors/domain.error';
import { Public } from '../identity/policy/policy.decorator';

// The page and its script hold no data: everything comes from /admin/api with the admin's token.
const ASSETS: Record<string, string> = {
  'app.js': 'application/javascript; charset=utf-8',
  'lib.js': 'application/javascript; charset=utf-8',
  'widgets.js': 'application/javascript; charset=utf-8',
  'views.js': 'application/javascript; charset=utf-8',
  'view-overview.js': 'application/javascript; charset=utf-8',
  'view-backends.js': 'application/javascript; charset=utf-8',
  'view-servers.js': 'application/javascript; charset=utf-8',
  'view-ops.js': 'application/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

// Read from the source tree: the build compiles every .js it meets to CommonJS, and these are
// browser ES modules that must be served as written.
function read(file: string): Buffer {
  return readFileSync(join(projectRoot(), 'src', 'admin', 'static', file));
}

/** The admin dashboard: one page and its script, no external CDN. */
@Public()
@ApiExcludeController()
@Controller('admin')
export class DashboardController {
  @Get()
  page(@Res() res: Response): void {
    this.send(res, 'index.html', 'text/html; charset=utf-8');
  }

  @Get('assets/:file')
  asset(@Param('file') file: string, @Res() res: Response): void {
    const type = ASSETS[file];
    if (!type) throw notFound('No such dashboard asset.');
    this.send(res, file, type);
  }

  private send(res: Response, file: string, type: string): void {
    // Read per request (a few KiB, admins only): an upgraded checkout is served at once.
    const body = read(file);
    res
      .status(200)
      .setHeader('Content-Type', type)
      .setHeader('Content-Security-Policy', CSP)
      .setHeader('X-Content-Type-Options', 'nosniff')
      .setHeader('Referrer-Policy', 'no-referrer')
      .setHeader('Cache-Control', 'no-cache')
      .send(body);
  }
}
