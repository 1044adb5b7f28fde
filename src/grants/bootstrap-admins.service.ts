import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { Repository } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { GrantEntity } from './entities/grant.entity.js';
import { ANY } from './scope.js';

export const BOOTSTRAP_CREATOR = 'system:bootstrap';

/**
 * Grants `admin` on everything to each BOOTSTRAP_ADMINS subject. The grant id is derived from
 * the subject, so restarts and concurrent replicas converge on one grant per subject.
 */
@Injectable()
export class BootstrapAdminsService implements OnApplicationBootstrap {
  constructor(
    @InjectRepository(GrantEntity) private readonly grants: Repository<GrantEntity>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    for (const subject of this.config.bootstrapAdmins) {
      await this.grants
        .createQueryBuilder()
        .insert()
        .values({
          id: bootstrapGrantId(subject),
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
    }
  }
}

function bootstrapGrantId(subject: string): string {
  const hex = createHash('sha256').update(`bootstrap-admin:${subject}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
