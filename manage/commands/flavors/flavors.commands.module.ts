import { Module } from '@nestjs/common';
import { FlavorRepository } from '@nefos/database';
import { FlavorCreateCommand, FlavorDeleteCommand, FlavorListCommand } from './flavor.commands';

@Module({
  providers: [FlavorRepository, FlavorCreateCommand, FlavorListCommand, FlavorDeleteCommand],
})
export class FlavorsCommandsModule {}
