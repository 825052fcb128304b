import { Controller, Get, Inject, UseInterceptors } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { NEFOS_CONFIG, type NefosConfig } from '@nefos/contracts';
import { Public } from '../../identity/policy/policy.decorator';
import { ComputeApiInterceptor } from '../common/compute-api.interceptor';
import { versionDocument, versionsList } from './versions.view';

/** Version discovery: the only compute endpoints that need no token. */
@Public()
@ApiTags('versions')
@Controller()
export class VersionsController {
  constructor(@Inject(NEFOS_CONFIG) private readonly config: NefosConfig) {}

  @Get()
  @ApiOperation({ summary: 'List API versions (root)' })
  root(): unknown {
    return versionsList(this.config.api.publicUrl);
  }

  @Get('compute')
  @ApiOperation({ summary: 'List compute API versions' })
  list(): unknown {
    return versionsList(this.config.api.publicUrl);
  }

  @Get('compute/v2')
  @ApiOperation({ summary: 'Show the legacy v2.0 version document' })
  v2(): unknown {
    return versionDocument(this.config.api.publicUrl, 'v2');
  }

  @Get('compute/v2.1')
  @UseInterceptors(ComputeApiInterceptor)
  @ApiOperation({ summary: 'Show the v2.1 version document' })
  v21(): unknown {
    return versionDocument(this.config.api.publicUrl, 'v2.1');
  }
}
