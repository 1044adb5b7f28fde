import { Body, Get, Header, Headers, HttpCode, Param, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import type { Actor } from '../../common/actor.js';
import { DomainError, ErrorCode } from '../../common/errors/domain-error.js';
import { ApiController } from '../../common/http/api-controller.decorator.js';
import { ApiRoute } from '../../common/http/api-route.decorator.js';
import { CurrentActor, RequireVerb } from '../../common/http/route-decorators.js';
import { VersionEtag, versionFromIfMatch } from '../../common/http/version-etag.js';
import { pageOf } from '../../common/paging/page.js';
import {
  CreateSecretInput,
  ListSecretsQuery,
  RequestSecretInput,
  RevokeSecretInput,
  RollbackSecretInput,
  RotateSecretInput,
  RotationPolicyInput,
  UpdateSecretInput,
} from '../dto/secret-inputs.js';
import { NamespaceParams, SecretParams } from '../dto/secret-params.js';
import { SecretConsumerView } from '../models/consumer.model.js';
import { SecretValuesView } from '../models/secret-values.model.js';
import { SecretVersionView } from '../models/secret-version.model.js';
import { SecretWriteResultView } from '../models/secret-write.model.js';
import { SecretPageView, SecretView } from '../models/secret.model.js';
import { RotationPolicyService } from '../rotation-policy.service.js';
import { SecretWriterService } from '../secret-writer.service.js';
import { SecretsService } from '../secrets.service.js';

@ApiController('v1/namespaces/:namespace/secrets', 'secrets')
export class SecretsController {
  constructor(
    private readonly secrets: SecretsService,
    private readonly writer: SecretWriterService,
    private readonly rotationPolicies: RotationPolicyService,
  ) {}

  @Get()
  @RequireVerb('list')
  @ApiRoute({
    summary: 'List secrets: names, keys, labels and versions, never values',
    description:
      'Needs `list` on the namespace; only the secrets the caller may list are shown. One page at a time: pass `continue` from the previous page.',
    returns: SecretPageView,
    returnsDescription: 'One page of secrets and the cursor of the next page',
    kind: 'secretListing',
  })
  list(
    @CurrentActor() actor: Actor,
    @Param() { namespace }: NamespaceParams,
    @Query() query: ListSecretsQuery,
  ): Promise<SecretPageView> {
    return this.secrets.list(actor, namespace, query.labelSelector, pageOf(query));
  }

  @Post()
  @RequireVerb('create')
  @VersionEtag(writtenVersion)
  @ApiRoute({
    summary: 'Create a secret from values and/or generators',
    description:
      'Needs `create`. Writes version 1 to the cluster; generated values are never returned here, request them.',
    returns: SecretWriteResultView,
    returnsDescription: 'The new secret and its first version',
    status: 201,
    kind: 'secretCreation',
    body: {
      type: CreateSecretInput,
      description: 'The name, and values and/or generators, of the new secret',
      example: { name: 'db-main', generate: { password: { type: 'password', length: 32 } }, reason: 'new database' },
    },
  })
  create(
    @CurrentActor() actor: Actor,
    @Param() { namespace }: NamespaceParams,
    @Body() input: CreateSecretInput,
  ): Promise<SecretWriteResultView> {
    return this.writer.create(actor, namespace, input);
  }

  @Get(':name')
  @RequireVerb('list')
  @VersionEtag((secret: SecretView) => secret.currentVersion)
  @ApiRoute({
    summary: 'Metadata and current version of a secret, no values',
    description: 'Needs `list`.',
    returns: SecretView,
    returnsDescription: 'The secret without its values',
    kind: 'secretLookup',
  })
  get(@CurrentActor() actor: Actor, @Param() secret: SecretParams): Promise<SecretView> {
    return this.secrets.get(actor, secret);
  }

  @Post(':name/request')
  @HttpCode(200)
  @RequireVerb('read')
  @Header('Cache-Control', 'no-store')
  @VersionEtag((values: SecretValuesView) => values.version)
  @ApiRoute({
    summary: 'Obtain the values of a secret',
    description:
      'Needs `read`. The body is optional: without one, every key is returned. Answered with Cache-Control: no-store.',
    returns: SecretValuesView,
    returnsDescription: 'The values and the version they belong to',
    kind: 'secretRequest',
    body: {
      type: RequestSecretInput,
      description: 'Which keys, and why (optional)',
      required: false,
      example: { keys: ['password'], reason: 'start-up' },
    },
  })
  request(
    @CurrentActor() actor: Actor,
    @Param() secret: SecretParams,
    @Body() input: RequestSecretInput,
  ): Promise<SecretValuesView> {
    return this.secrets.request(actor, secret, input);
  }

  @Put(':name')
  @RequireVerb('update')
  @VersionEtag(writtenVersion)
  @ApiHeader({
    name: 'If-Match',
    required: false,
    description: 'The version the caller expects to replace, as the ETag gave it (`"3"`) or bare (`3`)',
  })
  @ApiRoute({
    summary: 'Set explicit values (a new version)',
    description:
      'Needs `update`. With If-Match, the write is refused (409) unless the current version is the one given.',
    returns: SecretWriteResultView,
    returnsDescription: 'The secret and its new version',
    kind: 'secretChange',
    body: {
      type: UpdateSecretInput,
      description: 'The new values, and why',
      example: { data: { password: 'chosen-by-hand' }, reason: 'set by hand' },
    },
  })
  update(
    @CurrentActor() actor: Actor,
    @Param() secret: SecretParams,
    @Body() input: UpdateSecretInput,
    @Headers('if-match') ifMatch: string | undefined,
  ): Promise<SecretWriteResultView> {
    return this.writer.update(actor, secret, input, parseIfMatch(ifMatch));
  }

  @Post(':name/rotate')
  @HttpCode(200)
  @RequireVerb('rotate')
  @Header('Cache-Control', 'no-store')
  @VersionEtag(writtenVersion)
  @ApiRoute({
    summary: 'Generate new values (a new version)',
    description:
      'Needs `rotate`. The body is optional: without one, every key that has a generator is rotated. Values are returned only with returnValues and `read`.',
    returns: SecretWriteResultView,
    returnsDescription: 'The secret and its new version (and the values, if asked for and allowed)',
    kind: 'secretChange',
    body: {
      type: RotateSecretInput,
      description: 'Which keys, how, and why (optional)',
      required: false,
      example: { reason: 'scheduled', restartWorkloads: true },
    },
  })
  rotate(
    @CurrentActor() actor: Actor,
    @Param() secret: SecretParams,
    @Body() input: RotateSecretInput,
  ): Promise<SecretWriteResultView> {
    return this.writer.rotate(actor, secret, input);
  }

  @Post(':name/rollback')
  @HttpCode(200)
  @RequireVerb('rollback')
  @VersionEtag(writtenVersion)
  @ApiRoute({
    summary: "Restore an earlier version's values (as a new version)",
    description: 'Needs `rollback`. Only versions whose values are still retained can be restored.',
    returns: SecretWriteResultView,
    returnsDescription: 'The secret and the new version holding the restored values',
    kind: 'secretChange',
    body: { type: RollbackSecretInput, description: 'The version to restore, and why' },
  })
  rollback(
    @CurrentActor() actor: Actor,
    @Param() secret: SecretParams,
    @Body() input: RollbackSecretInput,
  ): Promise<SecretWriteResultView> {
    return this.writer.rollback(actor, secret, input);
  }

  @Patch(':name/rotation-policy')
  @RequireVerb('update')
  @ApiRoute({
    summary: "Change a secret's rotation policy",
    description:
      'Needs `update`. Replaces the settings of the policy (interval or schedule, strategy, restarts, drift); generators given ' +
      'are added to the ones the secret has. The next scheduled rotation counts from now. Audited with the old and new policy.',
    returns: SecretView,
    returnsDescription: 'The secret, with its next scheduled rotation',
    kind: 'secretChange',
    body: {
      type: RotationPolicyInput,
      description: 'The new rotation policy',
      example: { intervalSeconds: 2592000, strategy: 'replace', onDrift: 'restore' },
    },
  })
  updateRotationPolicy(
    @CurrentActor() actor: Actor,
    @Param() secret: SecretParams,
    @Body() input: RotationPolicyInput,
  ): Promise<SecretView> {
    return this.rotationPolicies.update(actor, secret, input);
  }

  @Post(':name/revoke')
  @HttpCode(200)
  @RequireVerb('revoke')
  @ApiRoute({
    summary: 'Delete the secret from the cluster, keep its history, mark it revoked',
    description: 'Needs `revoke` and a reason. Afterwards the secret answers 410 Gone.',
    returns: SecretView,
    returnsDescription: 'The revoked secret',
    kind: 'secretChange',
    body: { type: RevokeSecretInput, description: 'Why the secret is revoked' },
  })
  revoke(
    @CurrentActor() actor: Actor,
    @Param() secret: SecretParams,
    @Body() input: RevokeSecretInput,
  ): Promise<SecretView> {
    return this.writer.revoke(actor, secret, input);
  }

  @Get(':name/versions')
  @RequireVerb('list')
  @ApiRoute({
    summary: 'Version history: fingerprints, never values',
    description: 'Needs `list`. Newest first; an unmanaged secret has no versions yet.',
    returns: [SecretVersionView],
    returnsDescription: 'The versions of the secret',
    kind: 'secretHistory',
  })
  versions(@CurrentActor() actor: Actor, @Param() secret: SecretParams): Promise<SecretVersionView[]> {
    return this.secrets.versions(actor, secret);
  }

  @Get(':name/consumers')
  @RequireVerb('list')
  @ApiRoute({
    summary: 'Workloads that reference the secret, and how (the blast radius)',
    description: 'Needs `list`. Deployments, StatefulSets and DaemonSets of the namespace that use the secret.',
    returns: [SecretConsumerView],
    returnsDescription: 'The workloads using the secret',
    kind: 'secretListing',
  })
  consumers(@CurrentActor() actor: Actor, @Param() secret: SecretParams): Promise<SecretConsumerView[]> {
    return this.secrets.consumers(actor, secret);
  }
}

function writtenVersion(result: SecretWriteResultView): number {
  return result.version.version;
}

function parseIfMatch(header: string | undefined): number | undefined {
  const version = versionFromIfMatch(header);
  if (version === null) throw new DomainError(ErrorCode.InvalidInput, 'If-Match must be an ETag this API gave ("3")');
  return version;
}
