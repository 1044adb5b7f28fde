import { Body, Get, Header, Headers, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiHeader, ApiOperation } from '@nestjs/swagger';
import type { Actor } from '../../common/actor.js';
import { DomainError, ErrorCode } from '../../common/errors/domain-error.js';
import { ApiController } from '../../common/http/api-controller.decorator.js';
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
  UpdateSecretInput,
} from '../dto/secret-inputs.js';
import { NamespaceParams, SecretParams } from '../dto/secret-params.js';
import { SecretConsumerView } from '../models/consumer.model.js';
import { SecretValuesView } from '../models/secret-values.model.js';
import { SecretVersionView } from '../models/secret-version.model.js';
import { SecretWriteResultView } from '../models/secret-write.model.js';
import { SecretPageView, SecretView } from '../models/secret.model.js';
import { SecretWriterService } from '../secret-writer.service.js';
import { SecretsService } from '../secrets.service.js';

@ApiController('v1/namespaces/:namespace/secrets', 'secrets')
export class SecretsController {
  constructor(
    private readonly secrets: SecretsService,
    private readonly writer: SecretWriterService,
  ) {}

  @Get()
  @RequireVerb('list')
  @ApiOperation({ summary: 'List secrets: names, keys, labels and versions, never values' })
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
  @ApiOperation({ summary: 'Create a secret from values and/or generators' })
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
  @ApiOperation({ summary: 'Metadata and current version of a secret, no values' })
  get(@CurrentActor() actor: Actor, @Param() secret: SecretParams): Promise<SecretView> {
    return this.secrets.get(actor, secret);
  }

  @Post(':name/request')
  @HttpCode(200)
  @RequireVerb('read')
  @Header('Cache-Control', 'no-store')
  @VersionEtag((values: SecretValuesView) => values.version)
  @ApiOperation({ summary: 'Obtain the values of a secret' })
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
    description: 'The version the caller expects to replace: the ETag a read or write gave (`"3"`), or `3`',
  })
  @ApiOperation({ summary: 'Set explicit values (a new version)' })
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
  @ApiOperation({ summary: 'Generate new values (a new version)' })
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
  @ApiOperation({ summary: "Restore an earlier version's values (as a new version)" })
  rollback(
    @CurrentActor() actor: Actor,
    @Param() secret: SecretParams,
    @Body() input: RollbackSecretInput,
  ): Promise<SecretWriteResultView> {
    return this.writer.rollback(actor, secret, input);
  }

  @Post(':name/revoke')
  @HttpCode(200)
  @RequireVerb('revoke')
  @ApiOperation({ summary: 'Delete the secret from the cluster, keep its history, mark it revoked' })
  revoke(
    @CurrentActor() actor: Actor,
    @Param() secret: SecretParams,
    @Body() input: RevokeSecretInput,
  ): Promise<SecretView> {
    return this.writer.revoke(actor, secret, input);
  }

  @Get(':name/versions')
  @RequireVerb('list')
  @ApiOperation({ summary: 'Version history: fingerprints, never values' })
  versions(@CurrentActor() actor: Actor, @Param() secret: SecretParams): Promise<SecretVersionView[]> {
    return this.secrets.versions(actor, secret);
  }

  @Get(':name/consumers')
  @RequireVerb('list')
  @ApiOperation({ summary: 'Workloads that reference the secret, and how (the blast radius)' })
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
