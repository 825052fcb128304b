import { Module } from '@nestjs/common';
import {
  BackendRepository,
  ConsoleAccessRepository,
  ConsoleTokenRepository,
} from '@nefos/database';
import { VncConsoleService } from './vnc-console.service';

/** Console URLs for servers (`os-getVNCConsole`); the console proxy admits what this mints. */
@Module({
  providers: [
    ConsoleAccessRepository,
    ConsoleTokenRepository,
    BackendRepository,
    VncConsoleService,
  ],
  exports: [VncConsoleService],
})
export class ConsolesModule {}
