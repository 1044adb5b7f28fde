import { Module } from '@nestjs/common';
import { DerivedKeys } from '../../crypto/derived-keys.js';
import { CursorCodec } from './cursor-codec.js';

/** The broker's sealed paging cursors, for every listing. */
@Module({
  providers: [
    {
      provide: CursorCodec,
      inject: [DerivedKeys],
      useFactory: (keys: DerivedKeys) => new CursorCodec(keys.key('cursor')),
    },
  ],
  exports: [CursorCodec],
})
export class PagingModule {}
