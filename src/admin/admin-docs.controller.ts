import { Controller, Get, Inject, type INestApplication } from '@nestjs/common';
import { ApplicationConfig, HttpAdapterHost, ModulesContainer } from '@nestjs/core';
import {
  ApiExcludeController,
  DocumentBuilder,
  SwaggerModule,
  type OpenAPIObject,
} from '@nestjs/swagger';
import { NEFOS_CONFIG, type NefosConfig } from '@nefos/contracts';
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

  constructor(
    private readonly modules: ModulesContainer,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(NEFOS_CONFIG) private readonly config: NefosConfig,
  ) {}

  @Get('openapi.json')
  openapi(): OpenAPIObject {
    this.document ??= this.build();
    return this.document;
  }

  private build(): OpenAPIObject {
    // The scanner wants an application; it reads only the modules, the adapter and the prefix.
    const app = {
      container: { getModules: () => this.modules, isGlobalModule: () => false },
      config: new ApplicationConfig(),
      getHttpAdapter: () => this.adapterHost.httpAdapter,
    } as unknown as INestApplication;
    const info = new DocumentBuilder()
      .setTitle('Nefos admin API')
      .setVersion('1')
      .setDescription(
        'What the /admin dashboard and operators use: servers of every project, backends and nodes, ' +
          'RAPI jobs, the event dead-letter queue, the live overview stream. Every call needs a token of a ' +
          'user with the admin role (X-Auth-Token). Errors are OpenStack faults: {"badRequest": {"code": 400, "message": "..."}}.',
      )
      .addServer(this.config.api.publicUrl)
      .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Auth-Token' }, 'token')
      .build();
    const doc = SwaggerModule.createDocument(app, { ...info, openapi: '3.1.0' });
    doc.paths = Object.fromEntries(
      Object.entries(doc.paths).filter(([p]) => p.startsWith('/admin/api/')),
    );
    return doc;
  }
}
