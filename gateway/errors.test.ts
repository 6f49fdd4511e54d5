import { describe, expect, it } from 'vitest';
import { formatGatewayError } from './errors.ts';

describe('gateway error formatting', () => {
  const subgraphFailure = {
    message: 'connect ECONNREFUSED 127.0.0.1:6379',
    path: ['profile'],
    extensions: {
      code: 'DOWNSTREAM_SERVICE_ERROR',
      serviceName: 'profile',
      stacktrace: ['Error: at x'],
    },
  };

  it('always gives a known code and never a stack trace', () => {
    expect(formatGatewayError(false)(subgraphFailure, undefined)).toEqual({
      message: 'connect ECONNREFUSED 127.0.0.1:6379',
      path: ['profile'],
      extensions: { code: 'INTERNAL_SERVER_ERROR', serviceName: 'profile' },
    });
  });

  it('masks unexpected errors, keeps expected ones and the limit details', () => {
    const mask = formatGatewayError(true);
    expect(mask(subgraphFailure, undefined)).toEqual({
      message: 'internal server error',
      path: ['profile'],
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
    expect(
      mask(
        {
          message: 'first must be between 1 and 100',
          extensions: { code: 'BAD_USER_INPUT', serviceName: 'activity' },
        },
        undefined,
      ),
    ).toEqual({
      message: 'first must be between 1 and 100',
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect(
      mask(
        {
          message: 'too deep',
          extensions: { code: 'QUERY_TOO_COMPLEX', limit: 'depth', maximum: 10, actual: 12 },
        },
        undefined,
      ).extensions,
    ).toEqual({
      code: 'QUERY_TOO_COMPLEX',
      limit: 'depth',
      maximum: 10,
      actual: 12,
    });
  });
});
