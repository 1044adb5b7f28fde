import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { bootstrapGrantId } from './bootstrap-grant-id.js';
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
