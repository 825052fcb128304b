import { Global, Module } from '@nestjs/common';
import { RapiClientFactory } from './rapi-client.factory';

@Global()
@Module({ providers: [RapiClientFactory], exports: [RapiClientFactory] })
export class RapiModule {}
