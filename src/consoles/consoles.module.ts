import { Module } from '@nestjs/common';
import { ConsoleAccessRepository, ConsoleTokenRepository } from '@nefos/database';
import { VncConsoleAction } from './vnc-console.action';
import { VncConsoleService } from './vnc-console.service';

/**
 * Console URLs for servers (`os-getVNCConsole`); the console proxy admits what this mints.
 * `VncConsoleAction` is found by compute's server action registry through `@ServerAction`;
 * BackendRepository and RapiClientFactory come from the global database and RAPI modules.
 */
@Module({
  providers: [ConsoleAccessRepository, ConsoleTokenRepository, VncConsoleService, VncConsoleAction],
})
export class ConsolesModule {}
