import { applyDecorators, Controller } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiProblemResponses, AUTHENTICATED_PROBLEMS } from './api-problem.decorator.js';

/** The header every authenticated REST controller shares: its path, its tag, bearer auth and the problems of every such route. */
export function ApiController(path: string, tag: string): ClassDecorator {
  return applyDecorators(
    Controller(path),
    ApiTags(tag),
    ApiBearerAuth('bearer'),
    ApiProblemResponses(AUTHENTICATED_PROBLEMS),
  );
}
