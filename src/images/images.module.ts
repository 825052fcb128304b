import { Module } from '@nestjs/common';
import { ComputeApiInterceptor } from '../compute/common/compute-api.interceptor';
import { ImageRepository } from '@nefos/database';
import { GlanceController } from './glance/glance.controller';
import { ImageRegistry } from './image.registry';

/** The image registry and its Glance v2 subset under `/image`. */
@Module({
  controllers: [GlanceController],
  providers: [ImageRepository, ImageRegistry, ComputeApiInterceptor],
  exports: [ImageRegistry, ImageRepository],
})
export class ImagesModule {}
