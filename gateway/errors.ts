import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import type { Logger } from '../lib/logger.ts';
import { ErrorCode } from '../schema/errors.ts';

const KNOWN_CODES = new Set<string>(Object.values(ErrorCode));
/** Codes that mean "the server failed", as opposed to "the request was wrong". */
const UNEXPECTED = new Set<string>([ErrorCode.InternalServerError, ErrorCode.ServiceUnavailable]);
/** Extensions a masked error keeps: its code and the limit details of QUERY_TOO_COMPLEX. */
const PUBLIC_EXTENSIONS = ['code', 'limit', 'maximum', 'actual'] as const;

export function codeOf(error: GraphQLFormattedError): ErrorCode {
  const code = error.extensions?.['code'];
  return typeof code === 'string' && KNOWN_CODES.has(code)
    ? (code as ErrorCode)
    : ErrorCode.InternalServerError;
}

/**
 * Every error leaves the gateway with an `extensions.code` from ErrorCode (anything else,
 * e.g. a federation DOWNSTREAM_SERVICE_ERROR, becomes INTERNAL_SERVER_ERROR) and without stack
 * traces. With `mask`, unexpected errors say only that something failed, and only public
 * extensions remain (no subgraph names, no upstream bodies); details go to the log instead.
 */
export function formatGatewayError(
  mask: boolean,
): (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError {
  return (formatted) => {
    const code = codeOf(formatted);
    const { stacktrace: _stacktrace, exception: _exception, ...rest } = formatted.extensions ?? {};
    if (!mask) return { ...formatted, extensions: { ...rest, code } };
    const extensions: Record<string, unknown> = {};
    for (const key of PUBLIC_EXTENSIONS) if (rest[key] !== undefined) extensions[key] = rest[key];
    extensions['code'] = code;
    const message = UNEXPECTED.has(code)
      ? code === ErrorCode.ServiceUnavailable
        ? 'service unavailable, retry later'
        : 'internal server error'
      : formatted.message;
    return {
      message,
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions,
    };
  };
}

/** Logs the errors that are the server's fault, with their cause, before they are masked. */
export function errorLoggingPlugin(logger: Logger): ApolloServerPlugin {
  return {
    requestDidStart: () =>
      Promise.resolve({
        didEncounterErrors: ({ errors, operationName }) => {
          for (const error of errors) {
            const code = codeOf({ message: error.message, extensions: error.extensions });
            if (UNEXPECTED.has(code))
              logger.error(
                { err: error.originalError ?? error, code, path: error.path, operationName },
                error.message,
              );
          }
          return Promise.resolve();
        },
      }),
  };
}
