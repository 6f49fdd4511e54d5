import {
  Kind,
  parse,
  print,
  visit,
  type ConstDirectiveNode,
  type ConstValueNode,
  type DirectiveNode,
  type DocumentNode,
} from 'graphql';

/**
 * What a schema element demands of the caller, from Federation's `@authenticated` and
 * `@requiresScopes(scopes: [[...]])` in the supergraph. `scopes` is a disjunction of
 * conjunctions: `[["a", "b"], ["c"]]` is satisfied by (a and b) or c.
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

const SPECS = {
  authenticated: 'https://specs.apollo.dev/authenticated/',
  requiresScopes: 'https://specs.apollo.dev/requiresScopes/',
} as const;

function stringArgument(directive: DirectiveNode, name: string): string | undefined {
  const value = directive.arguments?.find((arg) => arg.name.value === name)?.value;
  return value?.kind === Kind.STRING ? value.value : undefined;
}

/** The names the supergraph gives the two directives (`@link(..., as: "...")` renames them). */
function directiveNames(document: DocumentNode): {
  authenticated?: string;
  requiresScopes?: string;
} {
  const names: { authenticated?: string; requiresScopes?: string } = {};
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.SCHEMA_DEFINITION && definition.kind !== Kind.SCHEMA_EXTENSION)
      continue;
    for (const directive of definition.directives ?? []) {
      if (directive.name.value !== 'link') continue;
      const url = stringArgument(directive, 'url') ?? '';
      for (const [feature, prefix] of Object.entries(SPECS) as Array<[keyof typeof SPECS, string]>)
        if (url.startsWith(prefix)) names[feature] = stringArgument(directive, 'as') ?? feature;
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
  names: ReturnType<typeof directiveNames>,
): AccessRequirement[] {
  const found: AccessRequirement[] = [];
  for (const directive of directives ?? []) {
    if (directive.name.value === names.authenticated)
      found.push({ authenticated: true, scopes: [] });
    else if (directive.name.value === names.requiresScopes)
      found.push({
        authenticated: true,
        scopes: scopeSets(directive.arguments?.find((a) => a.name.value === 'scopes')?.value),
      });
  }
  return found;
}

/** Reads every `@authenticated` / `@requiresScopes` of a supergraph, by schema coordinate. */
export function schemaAccessFromSupergraph(supergraphSdl: string): SchemaAccess {
  const document = parse(supergraphSdl);
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
      case Kind.ENUM_TYPE_DEFINITION:
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

/**
 * The supergraph as @apollo/gateway loads it. The gateway refuses `for: SECURITY` features it
 * does not enforce itself; this gateway enforces `@authenticated` and `@requiresScopes` in its
 * operation guard (gateway/operation/guard-plugin.ts), so their links lose the `for: SECURITY`
 * marker here, and only here. Any other security feature still makes the gateway refuse.
 */
export function supergraphForGateway(supergraphSdl: string): string {
  return print(
    visit(parse(supergraphSdl), {
      Directive(node) {
        if (node.name.value !== 'link') return undefined;
        const url = stringArgument(node, 'url') ?? '';
        if (!Object.values(SPECS).some((prefix) => url.startsWith(prefix))) return undefined;
        return { ...node, arguments: node.arguments?.filter((arg) => arg.name.value !== 'for') };
      },
    }),
  );
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
