import type { Schema } from '@apollo/federation-internals';
import {
  getNamedType,
  GraphQLError,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';
import { ErrorCode } from '../../schema/errors.ts';
import type { Identity } from '../auth/identity.ts';

/** What a type or field demands of the caller, from `@authenticated` and `@requiresScopes`. */
export interface AccessRule {
  authenticated: boolean;
  /** Alternatives (any one suffices), each a set of scopes that must all be granted. */
  scopes: readonly (readonly string[])[];
}

/** Rules by schema coordinate: `Type` for a type-level directive, `Type.field` for a field. */
export type AccessRules = ReadonlyMap<string, AccessRule>;

interface Directed {
  appliedDirectivesOf(name: string): ReadonlyArray<{ arguments(): Record<string, unknown> }>;
}

function ruleOf(element: Directed): AccessRule | undefined {
  const authenticated = element.appliedDirectivesOf('authenticated').length > 0;
  const scopes = element
    .appliedDirectivesOf('requiresScopes')
    .flatMap((directive) => (directive.arguments()['scopes'] as string[][] | undefined) ?? []);
  return authenticated || scopes.length > 0 ? { authenticated, scopes } : undefined;
}

/** Reads every `@authenticated` / `@requiresScopes` of the supergraph. */
export function accessRulesOf(supergraph: Schema): AccessRules {
  const rules = new Map<string, AccessRule>();
  for (const type of supergraph.types()) {
    const typeRule = ruleOf(type as unknown as Directed);
    if (typeRule) rules.set(type.name, typeRule);
    if (type.kind !== 'ObjectType' && type.kind !== 'InterfaceType') continue;
    for (const field of type.fields()) {
      const fieldRule = ruleOf(field as unknown as Directed);
      if (fieldRule) rules.set(`${type.name}.${field.name}`, fieldRule);
    }
  }
  return rules;
}

function satisfied(rule: AccessRule, scopes: ReadonlySet<string>): boolean {
  return rule.scopes.length === 0 || rule.scopes.some((all) => all.every((s) => scopes.has(s)));
}

/**
 * Checks an operation against the access rules of every field it selects and every type those
 * fields return. Undefined when the caller may run it; otherwise one error: UNAUTHENTICATED
 * for an anonymous caller, FORBIDDEN (naming the missing scopes) for one lacking scopes.
 */
export function checkAccess(
  schema: GraphQLSchema,
  rules: AccessRules,
  document: DocumentNode,
  identity: Identity | undefined,
): GraphQLError | undefined {
  const typeInfo = new TypeInfo(schema);
  let denied: GraphQLError | undefined;
  const granted = identity?.scopes ?? new Set<string>();
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        if (denied) return;
        const parent = typeInfo.getParentType();
        const returned = typeInfo.getType();
        const coordinates = [
          parent ? `${parent.name}.${node.name.value}` : undefined,
          returned ? getNamedType(returned).name : undefined,
        ];
        for (const coordinate of coordinates) {
          const rule = coordinate === undefined ? undefined : rules.get(coordinate);
          if (!rule) continue;
          if (identity === undefined) {
            denied = new GraphQLError(`${coordinate} requires authentication`, {
              extensions: { code: ErrorCode.Unauthenticated },
            });
            return;
          }
          if (!satisfied(rule, granted)) {
            const needed = rule.scopes.map((all) => all.join(' and ')).join(' or ');
            denied = new GraphQLError(`${coordinate} requires the scope ${needed}`, {
              extensions: { code: ErrorCode.Forbidden },
            });
            return;
          }
        }
      },
    }),
  );
  return denied;
}
