import { Inject, Injectable, type INestApplication } from '@nestjs/common';
import { ApplicationConfig, HttpAdapterHost, ModulesContainer } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { NEFOS_CONFIG, type NefosConfig } from '@nefos/contracts';

export interface OpenApiSpec {
  title: string;
  version: string;
  description: string;
  /** Which paths belong to this document (one API app serves several services). */
  includePath: (path: string) => boolean;
}

const FAULTS = 'Errors are OpenStack faults: {"badRequest": {"code": 400, "message": "..."}}.';

/**
 * Builds an OpenAPI document from the controllers without the application object: the scanner
 * reads only the modules, the HTTP adapter and the global prefix, which are all injectable.
 */
@Injectable()
export class OpenApiBuilder {
  constructor(
    private readonly modules: ModulesContainer,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(NEFOS_CONFIG) private readonly config: NefosConfig,
  ) {}

  build(spec: OpenApiSpec): OpenAPIObject {
    const app = {
      container: { getModules: () => this.modules, isGlobalModule: () => false },
      config: new ApplicationConfig(),
      getHttpAdapter: () => this.adapterHost.httpAdapter,
    } as unknown as INestApplication;
    const info = new DocumentBuilder()
      .setTitle(spec.title)
      .setVersion(spec.version)
      .setDescription(`${spec.description} ${FAULTS}`)
      .addServer(this.config.api.publicUrl)
      .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Auth-Token' }, 'token')
      .build();
    const doc = SwaggerModule.createDocument(app, { ...info, openapi: '3.1.0' });
    doc.paths = Object.fromEntries(Object.entries(doc.paths).filter(([p]) => spec.includePath(p)));
    return doc;
  }
}
