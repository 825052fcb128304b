import { Module } from '@nestjs/common';
import { ImageRepository } from '@nefos/database';
import { ImageListCommand, ImageRegisterCommand } from './image.commands';

@Module({ providers: [ImageRepository, ImageRegisterCommand, ImageListCommand] })
export class ImagesCommandsModule {}
