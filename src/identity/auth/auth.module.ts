import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthGuard } from './auth.guard';
import { AuthService } from './auth.service';
import { TokenRepository } from './token.repository';

@Global()
@Module({
  providers: [TokenRepository, AuthService, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [AuthService, TokenRepository],
})
export class AuthModule {}
