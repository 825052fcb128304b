import { Module } from '@nestjs/common';
import { ImageRepository } from '@nefos/database';
import { GlanceController } from './glance/glance.controller';
import { ImageRegistry } from './image.registry';

/** The image registry and its Glance v2 subset under `/image`. */
@Module({
  controllers: [GlanceController],
  providers: [ImageRepository, ImageRegistry],
  exports: [ImageRegistry, ImageRepository],
})
export class ImagesModule {}
