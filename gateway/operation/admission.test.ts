import { ApolloServer } from '@apollo/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schemaAccessFromSdl } from '../../lib/graphql/access-policy.ts';
import type { Identity } from '../auth/identity.ts';
import type { QueryLimits } from '../config.ts';
import type { GatewayContext } from '../context.ts';
import { createSubscriptionPreparer } from '../subscriptions/operation.ts';
import { createSubscriptionPlanner } from '../subscriptions/planner.ts';
import { operationGuardPlugin } from './guard-plugin.ts';

/**
 * A supergraph the real one is not: it renames `@requiresScopes` to `@scopes` with the link's
 * `as`, puts two directives on one field, and a disjunction of scope sets on a type.
 */
const SUPERGRAPH = `
schema
  @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION)
  @link(url: "https://specs.apollo.dev/authenticated/v0.1", for: SECURITY)
  @link(url: "https://specs.apollo.dev/requiresScopes/v0.1", as: "scopes", for: SECURITY)
{
  query: Query
  subscription: Subscription
}

directive @authenticated on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
directive @join__enumValue(graph: join__Graph!) repeatable on ENUM_VALUE
directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, external: Boolean, override: String, usedOverridden: Boolean) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION
directive @join__graph(name: String!, url: String!) on ENUM_VALUE
directive @join__implements(graph: join__Graph!, interface: String!) repeatable on OBJECT | INTERFACE
directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false, resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR
directive @join__unionMember(graph: join__Graph!, member: String!) repeatable on UNION
directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA
directive @scopes(scopes: [[scopes__Scope!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM

scalar join__FieldSet
enum join__Graph { VAULT @join__graph(name: "vault", url: "http://127.0.0.1:9/graphql") }
scalar link__Import
enum link__Purpose { SECURITY EXECUTION }
scalar scopes__Scope

type Query @join__type(graph: VAULT) {
  secret(id: ID!): Secret @authenticated @scopes(scopes: [["secrets:read"]])
}
type Secret @join__type(graph: VAULT, key: "id") @scopes(scopes: [["vault:open"], ["admin", "audit"]]) {
  id: ID!
  value: String
  related(first: Int = 5): [Secret!]!
}
type Subscription @join__type(graph: VAULT) {
  secretChanged(id: ID!): Secret! @authenticated @scopes(scopes: [["secrets:read"]])
}
`;

const LIMITS: QueryLimits = {
  maxDepth: 3,
  maxAliases: 2,
  maxTokens: 60,
  maxCost: 20,
  defaultListSize: 10,
  maxBodyBytes: 1_024,
};

let plansBuilt = 0;
const planner = createSubscriptionPlanner(SUPERGRAPH, { plansBuilt: { inc: () => plansBuilt++ } });
const access = schemaAccessFromSdl(SUPERGRAPH);
const prepare = createSubscriptionPreparer({ planner, access, limits: () => LIMITS });
// The HTTP path: Apollo Server with the gateway's guard over the same API schema.
const http = new ApolloServer<GatewayContext>({
  schema: planner.apiSchema,
  plugins: [operationGuardPlugin({ access, limits: () => LIMITS })],
});

type Caller = readonly string[] | 'anonymous';
const identity = (caller: Caller): Identity | undefined =>
  caller === 'anonymous' ? undefined : { subject: 'tester', scopes: new Set(caller) };

/** What a refusal reports, or 'allowed': the same shape for both transports. */
type Verdict = 'allowed' | { code: unknown; message: string; facts: Record<string, unknown> };

function verdictOf(
  errors: ReadonlyArray<{ message: string; extensions?: Record<string, unknown> }>,
): Verdict {
  const [error] = errors;
  if (error === undefined) return 'allowed';
  const { code, http: _status, ...facts } = error.extensions ?? {};
  return { code, message: error.message, facts };
}

async function overHttp(selection: string, fragments: string, caller: Caller): Promise<Verdict> {
  const response = await http.executeOperation(
    { query: `query { secret(id: "s1") ${selection} } ${fragments}` },
    { contextValue: { identity: identity(caller) } },
  );
  if (response.body.kind !== 'single') throw new Error('expected a single result');
  return verdictOf(response.body.singleResult.errors ?? []);
}

function overWebSocket(selection: string, fragments: string, caller: Caller): Verdict {
  const prepared = prepare(
    { query: `subscription { secretChanged(id: "s1") ${selection} } ${fragments}` },
    identity(caller),
  );
  // The root fields differ by transport (and messages name them); everything else is equal.
  return verdictOf(
    Array.isArray(prepared)
      ? prepared.map((error) => ({
          message: error.message.replaceAll('Subscription.secretChanged', 'Query.secret'),
          extensions: error.extensions,
        }))
      : [],
  );
}

const ALL = ['secrets:read', 'vault:open'] as const;

/** [selection on Secret, fragments, caller, expected code or 'allowed', limit]. */
const CASES: ReadonlyArray<[string, string, Caller, string, string?]> = [
  ['{ id }', '', 'anonymous', 'UNAUTHENTICATED'],
  // @authenticated is met by any token; the renamed @scopes on the same field is not.
  ['{ id }', '', [], 'FORBIDDEN'],
  ['{ id }', '', ['vault:open'], 'FORBIDDEN'],
  // The field's scope alone does not do: the returned type's requirement holds too.
  ['{ id }', '', ['secrets:read'], 'FORBIDDEN'],
  ['{ id }', '', ALL, 'allowed'],
  // A type's scope sets are alternatives, each needed in full.
  ['{ id }', '', ['secrets:read', 'admin', 'audit'], 'allowed'],
  ['{ id }', '', ['secrets:read', 'admin'], 'FORBIDDEN'],
  // Fragments do not hide a field from the check.
  ['{ ...F }', 'fragment F on Secret { id }', ['secrets:read'], 'FORBIDDEN'],
  ['{ ... on Secret { related { id } } }', '', ALL, 'allowed'],
  ['{ related { related { id } } }', '', ALL, 'QUERY_TOO_COMPLEX', 'depth'],
  ['{ a: id b: id c: id }', '', ALL, 'QUERY_TOO_COMPLEX', 'aliases'],
  ['{ related(first: 50) { id } }', '', ALL, 'QUERY_TOO_COMPLEX', 'cost'],
  // Access comes first: an anonymous over-limit operation is told to authenticate.
  ['{ related { related { id } } }', '', 'anonymous', 'UNAUTHENTICATED'],
];

describe('one admission for HTTP and WebSocket operations', () => {
  beforeAll(() => http.start());
  afterAll(() => http.stop());

  it('reads the renamed @requiresScopes and every directive of an element', () => {
    expect(access.get('Query.secret')).toEqual([
      { authenticated: true, scopes: [] },
      { authenticated: true, scopes: [['secrets:read']] },
    ]);
    expect(access.get('Subscription.secretChanged')).toEqual(access.get('Query.secret'));
  });

  it.each(CASES)('%s %s as %j: %s %s', async (selection, fragments, caller, expected, limit) => {
    const viaHttp = await overHttp(selection, fragments, caller);
    const viaWebSocket = overWebSocket(selection, fragments, caller);
    expect(viaWebSocket).toEqual(viaHttp);
    if (expected === 'allowed') expect(viaHttp).toBe('allowed');
    else expect(viaHttp).toMatchObject({ code: expected });
    if (limit !== undefined)
      expect(viaHttp).toMatchObject({
        facts: { limit, maximum: expect.any(Number), actual: expect.any(Number) },
      });
  });

  it('names what is missing the same way on both transports', async () => {
    const verdict = await overHttp('{ id }', '', ['secrets:read']);
    expect(verdict).toMatchObject({
      message:
        'the token lacks the scopes for this operation: Secret needs vault:open or (admin and audit)',
    });
  });

  it('checks a subscribe document before planning it, and plans each new document once', () => {
    const before = plansBuilt;
    const refusals = [
      prepare({ query: 'subscription { secretChanged(id: "s2") { id } }' }, undefined),
      prepare(
        { query: `subscription { secretChanged(id: "s2") { ${'id '.repeat(60)}} }` },
        undefined,
      ),
      prepare({ query: 'subscription { secretChanged(id: "s2") {' }, identity(ALL)),
      prepare({ query: 'subscription { secretChanged(id: "s2") { nope } }' }, identity(ALL)),
      prepare({ query: 'query { secret(id: "s2") { id } }' }, identity(ALL)),
      prepare(
        {
          query: 'subscription ($id: ID!) { secretChanged(id: $id) { id } }',
          variables: { id: {} },
        },
        identity(ALL),
      ),
    ];
    expect(
      refusals.map(
        (errors) => (errors as Array<{ extensions: Record<string, unknown> }>)[0]?.extensions,
      ),
    ).toEqual([
      { code: 'UNAUTHENTICATED' },
      { code: 'QUERY_TOO_COMPLEX', limit: 'tokens', maximum: LIMITS.maxTokens },
      { code: 'GRAPHQL_PARSE_FAILED' },
      { code: 'GRAPHQL_VALIDATION_FAILED' },
      { code: 'BAD_REQUEST' },
      { code: 'BAD_USER_INPUT' },
    ]);
    expect(plansBuilt).toBe(before);
    const query = 'subscription ($id: ID!) { secretChanged(id: $id) { id value } }';
    const first = prepare({ query, variables: { id: 's3' } }, identity(ALL));
    expect(first).toMatchObject({ variables: { id: 's3' }, plan: { rootField: 'secretChanged' } });
    expect(plansBuilt).toBe(before + 1);
    const again = prepare({ query, variables: { id: 's4' } }, identity(ALL));
    expect(again).toMatchObject({ variables: { id: 's4' } });
    expect(plansBuilt).toBe(before + 1);
  });
});
