import { Controller, Get } from '@nestjs/common';
import { ApiExcludeController, type OpenAPIObject } from '@nestjs/swagger';
import { OpenApiBuilder } from '../common/openapi/openapi-builder';
import { Public } from '../identity/policy/policy.decorator';

/**
 * `/admin/api/openapi.json`: the OpenAPI document of the admin API, generated from the admin
 * controllers. Every call needs an `X-Auth-Token` of a user with the admin role.
 */
@Public()
@ApiExcludeController()
@Controller('admin/api')
export class AdminDocsController {
  private document?: OpenAPIObject;

  constructor(private readonly openapi_: OpenApiBuilder) {}

  @Get('openapi.json')
  openapi(): OpenAPIObject {
    this.document ??= this.openapi_.build({
      title: 'Nefos admin API',
      version: '1',
      description:
        'What the /admin dashboard and operators use: servers of every project, backends and nodes, ' +
        'RAPI jobs, the event dead-letter queue, the live overview stream. Every call needs a token of a ' +
        'user with the admin role (X-Auth-Token).',
      includePath: (path) => path.startsWith('/admin/api/'),
    });
    return this.document;
  }
}
