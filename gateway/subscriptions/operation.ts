import { getOperationAST, getVariableValues, GraphQLError } from 'graphql';
import type { SubscribePayload } from 'graphql-ws';
import { ErrorCode } from '../../schema/errors.ts';
import type { Identity } from '../auth/identity.ts';
import type { HubRequest } from './hub.ts';
import type { SubscriptionPlanner } from './planner.ts';
import { checkAccess, type AccessRules } from './scopes.ts';

/**
 * Everything a subscribe message must pass before it reaches the hub: it parses, validates,
 * is a subscription, its variables coerce, and the caller holds the scopes of every field it
 * selects. The hub request, or the errors to answer with (each with `extensions.code`).
 */
export function prepareSubscription(
  planner: SubscriptionPlanner,
  rules: AccessRules,
  payload: SubscribePayload,
  identity: Identity | undefined,
): HubRequest | readonly GraphQLError[] {
  const plan = planner.plan(payload.query, payload.operationName ?? undefined);
  if (Array.isArray(plan)) return plan;
  const operation = getOperationAST(plan.document, plan.operationName);
  const coerced = getVariableValues(
    planner.apiSchema,
    operation?.variableDefinitions ?? [],
    payload.variables ?? {},
  );
  if (coerced.errors)
    return coerced.errors.map(
      (error) =>
        new GraphQLError(error.message, {
          nodes: error.nodes ?? null,
          extensions: { code: ErrorCode.BadUserInput },
        }),
    );
  const denied = checkAccess(planner.apiSchema, rules, plan.document, identity);
  if (denied) return [denied];
  return { plan, variables: coerced.coerced, identity };
}
