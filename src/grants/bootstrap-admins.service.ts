import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { Repository } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { GrantEntity } from './entities/grant.entity.js';
import { GrantChanges } from './grant-changes.js';
import { ANY } from '../common/vocabulary/scope.js';

export const BOOTSTRAP_CREATOR = 'system:bootstrap';

/**
 * Grants `admin` on everything to each BOOTSTRAP_ADMINS subject. The grant id is derived from
 * the subject, so restarts and concurrent replicas converge on one grant per subject.
 */
@Injectable()
export class BootstrapAdminsService implements OnApplicationBootstrap {
  constructor(
    @InjectRepository(GrantEntity) private readonly grants: Repository<GrantEntity>,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'bootstrapAdmins'>,
    private readonly changes: GrantChanges,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    for (const subject of this.config.bootstrapAdmins) {
      const id = bootstrapGrantId(subject);
      // Checked first so that a restart changes nothing, and announces nothing to other replicas.
      if (await this.grants.existsBy({ id })) continue;
      await this.changes.write(
        async (manager) => {
          await manager
            .createQueryBuilder()
            .insert()
            .into(GrantEntity)
            .values({
              id,
              subject,
              roleName: 'admin',
              namespace: ANY,
              namePattern: ANY,
              expiresAt: null,
              reason: 'BOOTSTRAP_ADMINS',
              createdBy: BOOTSTRAP_CREATOR,
            })
            .orIgnore()
            .execute();
          return manager.getRepository(GrantEntity).findOneByOrFail({ id });
        },
        (grant) => [{ kind: 'grant-saved', grant }],
      );
    }
  }
}

// The broker's own UUID namespace for name-based (v5) grant ids; never change it.
const BOOTSTRAP_NAMESPACE = Buffer.from('5b0c1d7e6f3a4e2b9c8d0a1b2c3d4e5f', 'hex');

/** A name-based UUID (RFC 9562 §5.5, version 5), so it passes the same id validation as any grant's. */
export function bootstrapGrantId(subject: string): string {
  const hash = createHash('sha1').update(BOOTSTRAP_NAMESPACE).update(`bootstrap-admin:${subject}`).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
