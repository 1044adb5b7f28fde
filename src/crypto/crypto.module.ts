import { Global, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { DerivedKeys } from './derived-keys.js';
import { EnvelopeCipher } from './envelope-cipher.js';
import { Clock } from '../common/time/clock.js';
import { recallKekNames } from './kek-names.js';
import { KeyRing } from './key-ring.js';

/** The key-encryption keys, the keys derived for fingerprints, cursors and the audit chain, and the envelope cipher. */
@Global()
@Module({
  providers: [
    {
      provide: KeyRing,
      inject: [APP_CONFIG, DataSource, Clock],
      useFactory: async (config: Pick<AppConfig, 'encryptionKeys'>, dataSource: DataSource, clock: Clock) => {
        const ring = new KeyRing(config.encryptionKeys);
        await recallKekNames(dataSource, ring, new Date(clock.now()));
        return ring;
      },
    },
    {
      provide: DerivedKeys,
      inject: [DataSource, KeyRing],
      useFactory: (dataSource: DataSource, ring: KeyRing) => DerivedKeys.load(dataSource, ring),
    },
    {
      provide: EnvelopeCipher,
      inject: [KeyRing, DerivedKeys],
      useFactory: (ring: KeyRing, keys: DerivedKeys) => new EnvelopeCipher(ring, keys.key('fingerprint')),
    },
  ],
  exports: [KeyRing, DerivedKeys, EnvelopeCipher],
})
export class CryptoModule {}
