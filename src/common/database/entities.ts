import { GrantEntity } from '../../grants/entities/grant.entity.js';
import { RoleEntity } from '../../grants/entities/role.entity.js';

/** Every TypeORM entity of the broker. */
export const ENTITIES = [RoleEntity, GrantEntity];
