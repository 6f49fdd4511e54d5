import { GraphQLError } from 'graphql';
import type { SubscribePayload } from 'graphql-ws';
import type { SchemaAccess } from '../../lib/graphql/access-policy.ts';
import { ErrorCode } from '../../schema/errors.ts';
import type { Identity } from '../auth/identity.ts';
import type { QueryLimits } from '../config.ts';
import {
  admitOperation,
  coerceVariables,
  createShapeCache,
  refusalExtensions,
} from '../operation/admission.ts';
import { tokenLimitRefusal } from '../operation/tokens.ts';
import { subscriptionOperation } from './documents.ts';
import type { HubRequest } from './hub.ts';
import type { SubscriptionPlanner } from './planner.ts';

export interface SubscriptionPreparerOptions {
  planner: SubscriptionPlanner;
  /** `@authenticated` / `@requiresScopes` of the supergraph: the HTTP side's reading. */
  access: SchemaAccess;
  /** The query limits in force, read per subscribe so a configuration reload applies at once. */
  limits: () => QueryLimits;
}

/** Turns a subscribe message into a hub request, or the errors to answer it with. */
export type SubscriptionPreparer = (
  payload: SubscribePayload,
  identity: Identity | undefined,
) => HubRequest | GraphQLError[];

/**
 * Everything a subscribe message must pass before it reaches the hub, in the order HTTP checks
 * a query and all before the planner sees it: the token limit (before parsing), parse,
 * validation, being a subscription, variables that coerce, then the gateway's one admission
 * (access, depth, aliases, cost) shared with HTTP. Only then is it planned. Every error
 * carries `extensions.code` (and a limit's facts).
 */
export function createSubscriptionPreparer(
  options: SubscriptionPreparerOptions,
): SubscriptionPreparer {
  const { planner } = options;
  const shapes = createShapeCache();
  return (payload, identity) => {
    const limits = options.limits();
    const tooManyTokens = tokenLimitRefusal(payload.query, limits.maxTokens);
    if (tooManyTokens)
      return [
        new GraphQLError(tooManyTokens.message, {
          extensions: { ...tooManyTokens.extensions, code: tooManyTokens.code },
        }),
      ];
    const document = planner.readDocument(payload.query);
    if (Array.isArray(document)) return document;
    const operationName = payload.operationName ?? undefined;
    const operation = subscriptionOperation(document, operationName);
    if (Array.isArray(operation)) return operation;
    const coerced = coerceVariables(planner.apiSchema, operation, payload.variables);
    if ('errors' in coerced)
      return coerced.errors.map(
        (error) =>
          new GraphQLError(error.message, {
            nodes: error.nodes ?? null,
            extensions: { code: ErrorCode.BadUserInput },
          }),
      );
    const refusal = admitOperation(
      {
        schema: planner.apiSchema,
        document,
        operation,
        variables: coerced.values,
        identity,
        access: options.access,
        limits,
      },
      shapes,
    );
    if (refusal)
      return [new GraphQLError(refusal.message, { extensions: refusalExtensions(refusal) })];
    const plan = planner.plan(document, operationName);
    if (Array.isArray(plan)) return plan;
    return { plan, variables: coerced.values, identity };
  };
}
