import { Injectable, PipeTransform } from '@nestjs/common';
import { DomainError, ErrorCode } from '../../common/errors/domain-error.js';
import { NAMESPACE_PATTERN, SECRET_NAME_PATTERN } from '../../common/vocabulary/names.js';

/** Path and argument validation: nothing with an invalid name gets near the cluster. */
@Injectable()
export class NamespacePipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (typeof value !== 'string' || value.length > 63 || !NAMESPACE_PATTERN.test(value)) {
      throw new DomainError(ErrorCode.InvalidInput, 'namespace must be a Kubernetes namespace name (RFC 1123 label)');
    }
    return value;
  }
}

@Injectable()
export class SecretNamePipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (typeof value !== 'string' || value.length > 253 || !SECRET_NAME_PATTERN.test(value)) {
      throw new DomainError(ErrorCode.InvalidInput, 'name must be a Kubernetes object name (RFC 1123 subdomain)');
    }
    return value;
  }
}
