import {
  Kind,
  parse,
  type ConstDirectiveNode,
  type ConstValueNode,
  type DirectiveNode,
  type DocumentNode,
} from 'graphql';
import { ErrorCode } from '../../schema/errors.ts';

/**
 * What a schema element demands of the caller, from Federation's `@authenticated` and
 * `@requiresScopes(scopes: [[...]])`. `scopes` is a disjunction of conjunctions:
 * `[["a", "b"], ["c"]]` is satisfied by (a and b) or c. An element with several directives
 * has several requirements, and every one of them must be met.
 */
export interface AccessRequirement {
  authenticated: boolean;
  scopes: ReadonlyArray<readonly string[]>;
}

export interface SchemaAccess {
  /** By schema coordinate: `Type.field` for fields, `Type` for types. */
  get(coordinate: string): readonly AccessRequirement[] | undefined;
  /** Every coordinate that carries a requirement. */
  coordinates(): IterableIterator<string>;
}

type Feature = 'authenticated' | 'requiresScopes';

/** The spec URLs of the two features as a supergraph links them. */
export const ACCESS_SPECS: Record<Feature, string> = {
  authenticated: 'https://specs.apollo.dev/authenticated/',
  requiresScopes: 'https://specs.apollo.dev/requiresScopes/',
};
const FEDERATION_SPEC = 'https://specs.apollo.dev/federation/';

function argument(directive: DirectiveNode, name: string): ConstValueNode | undefined {
  return directive.arguments?.find((arg) => arg.name.value === name)?.value as
    ConstValueNode | undefined;
}

export function stringArgument(directive: DirectiveNode, name: string): string | undefined {
  const value = argument(directive, name);
  return value?.kind === Kind.STRING ? value.value : undefined;
}

const withoutAt = (name: string): string => name.replace(/^@/, '');

/**
 * The directive names a schema gives each feature, from its `@link`s:
 * - a supergraph links each spec itself, optionally renamed: `@link(url: ".../requiresScopes/v0.1", as: "scopes")`
 *   or `import: [{ name: "@requiresScopes", as: "@scopes" }]`;
 * - a subgraph imports them from the federation spec, optionally renamed:
 *   `import: ["@authenticated", { name: "@requiresScopes", as: "@scopes" }]`; without an import
 *   they are still usable namespaced (`@federation__requiresScopes`, or the link's `as`).
 */
function directiveNames(document: DocumentNode): Map<string, Feature> {
  const names = new Map<string, Feature>();
  const features = Object.keys(ACCESS_SPECS) as Feature[];
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.SCHEMA_DEFINITION && definition.kind !== Kind.SCHEMA_EXTENSION)
      continue;
    for (const link of definition.directives ?? []) {
      if (link.name.value !== 'link') continue;
      const url = stringArgument(link, 'url') ?? '';
      const as = stringArgument(link, 'as');
      const linked = features.filter((feature) => url.startsWith(ACCESS_SPECS[feature]));
      for (const feature of linked) names.set(as ?? feature, feature);
      const federation = url.startsWith(FEDERATION_SPEC);
      if (federation)
        for (const feature of features) names.set(`${as ?? 'federation'}__${feature}`, feature);
      if (!federation && linked.length === 0) continue;
      // Composition renames by importing on the spec link; subgraphs import from federation.
      const imports = argument(link, 'import');
      for (const entry of imports?.kind === Kind.LIST ? imports.values : []) {
        let name: string | undefined;
        let local: string | undefined;
        if (entry.kind === Kind.STRING) name = local = entry.value;
        else if (entry.kind === Kind.OBJECT)
          for (const field of entry.fields) {
            if (field.value.kind !== Kind.STRING) continue;
            if (field.name.value === 'name') name = field.value.value;
            if (field.name.value === 'as') local = field.value.value;
          }
        const feature = features.find((f) => name === `@${f}`);
        if (feature !== undefined) names.set(withoutAt(local ?? name ?? ''), feature);
      }
    }
  }
  return names;
}

function scopeSets(value: ConstValueNode | undefined): string[][] {
  if (value?.kind !== Kind.LIST) return [];
  return value.values.map((set) =>
    set.kind === Kind.LIST
      ? set.values.flatMap((scope) => (scope.kind === Kind.STRING ? [scope.value] : []))
      : [],
  );
}

function requirementsOf(
  directives: readonly ConstDirectiveNode[] | undefined,
  names: ReadonlyMap<string, Feature>,
): AccessRequirement[] {
  const found: AccessRequirement[] = [];
  for (const directive of directives ?? []) {
    const feature = names.get(directive.name.value);
    if (feature === 'authenticated') found.push({ authenticated: true, scopes: [] });
    else if (feature === 'requiresScopes')
      found.push({ authenticated: true, scopes: scopeSets(argument(directive, 'scopes')) });
  }
  return found;
}

/**
 * Reads every `@authenticated` / `@requiresScopes` of a schema, by coordinate: the gateway reads
 * the supergraph, each subgraph its own SDL, with one reading of the rules.
 */
export function schemaAccessFromSdl(sdl: string | DocumentNode): SchemaAccess {
  const document = typeof sdl === 'string' ? parse(sdl) : sdl;
  const names = directiveNames(document);
  const byCoordinate = new Map<string, AccessRequirement[]>();
  const add = (coordinate: string, found: AccessRequirement[]) => {
    if (found.length > 0)
      byCoordinate.set(coordinate, [...(byCoordinate.get(coordinate) ?? []), ...found]);
  };
  for (const definition of document.definitions) {
    switch (definition.kind) {
      case Kind.OBJECT_TYPE_DEFINITION:
      case Kind.OBJECT_TYPE_EXTENSION:
      case Kind.INTERFACE_TYPE_DEFINITION:
      case Kind.INTERFACE_TYPE_EXTENSION:
        add(definition.name.value, requirementsOf(definition.directives, names));
        for (const field of definition.fields ?? [])
          add(
            `${definition.name.value}.${field.name.value}`,
            requirementsOf(field.directives, names),
          );
        break;
      case Kind.SCALAR_TYPE_DEFINITION:
      case Kind.SCALAR_TYPE_EXTENSION:
      case Kind.ENUM_TYPE_DEFINITION:
      case Kind.ENUM_TYPE_EXTENSION:
        add(definition.name.value, requirementsOf(definition.directives, names));
        break;
      default:
        break;
    }
  }
  return {
    get: (coordinate) => byCoordinate.get(coordinate),
    coordinates: () => byCoordinate.keys(),
  };
}

/** Whether an identity with `scopes` (undefined: anonymous) meets a requirement. */
export function satisfies(
  requirement: AccessRequirement,
  scopes: ReadonlySet<string> | undefined,
): boolean {
  if (scopes === undefined) return !requirement.authenticated;
  return (
    requirement.scopes.length === 0 ||
    requirement.scopes.some((set) => set.every((scope) => scopes.has(scope)))
  );
}

/** Why an operation is refused: the caller must sign in, or lacks scopes. */
export interface AccessDenial {
  code: ErrorCode.Unauthenticated | ErrorCode.Forbidden;
  message: string;
}

function describe(requirement: AccessRequirement): string {
  if (requirement.scopes.length === 0) return 'a token';
  return requirement.scopes
    .map((set) => (set.length === 1 ? set[0] : `(${set.join(' and ')})`))
    .join(' or ');
}

/**
 * The access verdict on an operation, from the requirements of everything it selects
 * (`OperationShape.requirements`) and the caller's scopes (undefined: anonymous). The one
 * policy of HTTP and WebSocket, at the gateway and in every subgraph; each transport only
 * dresses the denial (status and challenge for HTTP).
 */
export function accessDenial(
  requirements: ReadonlyMap<string, readonly AccessRequirement[]>,
  scopes: ReadonlySet<string> | undefined,
): AccessDenial | undefined {
  const unmet: string[] = [];
  for (const [coordinate, forCoordinate] of requirements)
    for (const requirement of forCoordinate)
      if (!satisfies(requirement, scopes))
        unmet.push(`${coordinate} needs ${describe(requirement)}`);
  if (unmet.length === 0) return undefined;
  return scopes === undefined
    ? {
        code: ErrorCode.Unauthenticated,
        message: `authentication required: send "Authorization: Bearer <token>" (${unmet.join('; ')})`,
      }
    : {
        code: ErrorCode.Forbidden,
        message: `the token lacks the scopes for this operation: ${unmet.join('; ')}`,
      };
}
