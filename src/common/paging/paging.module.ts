import { Module } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { deriveKey } from '../crypto/derived-keys.js';
import { CursorCodec } from './cursor-codec.js';

/** The broker's sealed paging cursors, for every listing. */
@Module({
  providers: [
    {
      provide: CursorCodec,
      inject: [APP_CONFIG],
      useFactory: (config: Pick<AppConfig, 'encryptionKey'>) =>
        new CursorCodec(deriveKey(config.encryptionKey, 'cursor')),
    },
  ],
  exports: [CursorCodec],
})
export class PagingModule {}
