import { Global, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { DerivedKeys } from './derived-keys.js';
import { EnvelopeCipher } from './envelope-cipher.js';
import { KeyRing } from './key-ring.js';

/** The key-encryption keys, the keys derived for fingerprints, cursors and the audit chain, and the envelope cipher. */
@Global()
@Module({
  providers: [
    {
      provide: KeyRing,
      inject: [APP_CONFIG],
      useFactory: (config: Pick<AppConfig, 'encryptionKeys'>) => new KeyRing(config.encryptionKeys),
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
