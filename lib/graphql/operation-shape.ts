import {
  Kind,
  getNamedType,
  isInterfaceType,
  isObjectType,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { AccessRequirement, SchemaAccess } from './access-policy.ts';

/** What an operation asks for, independent of its variables: computed once per document. */
export interface OperationShape {
  /** Deepest field nesting (`{ a { b } }` is 2); introspection fields are not counted. */
  depth: number;
  /** Aliased fields, each fragment counted as often as it is spread. */
  aliases: number;
  /** The access requirements of every selected field and of the types they return. */
  requirements: ReadonlyMap<string, readonly AccessRequirement[]>;
}

interface SelectionFacts {
  depth: number;
  aliases: number;
  coordinates: Set<string>;
}

/** The fragment definitions of a document, by name. */
export function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION)
      fragments.set(definition.name.value, definition);
  return fragments;
}

/** Field definitions of a type that has fields (unions only have `__typename`). */
export function fieldOf(
  type: GraphQLCompositeType,
  name: string,
): GraphQLField<unknown, unknown> | undefined {
  return isObjectType(type) || isInterfaceType(type) ? type.getFields()[name] : undefined;
}

/**
 * Walks a validated operation (no fragment cycles, every field exists). Fragments are analysed
 * once and their facts reused at every spread, so a document that spreads fragments
 * exponentially costs linear time here while its alias count still grows as it would expand.
 */
export function operationShape(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  access: SchemaAccess,
): OperationShape {
  const fragments = fragmentsOf(document);
  const memo = new Map<string, SelectionFacts>();

  function walk(selectionSet: SelectionSetNode, parent: GraphQLCompositeType): SelectionFacts {
    const facts: SelectionFacts = { depth: 0, aliases: 0, coordinates: new Set() };
    const merge = (inner: SelectionFacts, extraDepth: number) => {
      facts.depth = Math.max(facts.depth, inner.depth + extraDepth);
      facts.aliases += inner.aliases;
      for (const coordinate of inner.coordinates) facts.coordinates.add(coordinate);
    };
    for (const selection of selectionSet.selections) {
      switch (selection.kind) {
        case Kind.FIELD: {
          const name = selection.name.value;
          if (selection.alias !== undefined) facts.aliases += 1;
          if (name.startsWith('__')) break; // __typename, and introspection (its own switch)
          const field = fieldOf(parent, name);
          if (field === undefined) break;
          const returned = getNamedType(field.type);
          facts.coordinates.add(`${parent.name}.${name}`);
          facts.coordinates.add(returned.name);
          if (selection.selectionSet === undefined)
            merge({ depth: 0, aliases: 0, coordinates: new Set() }, 1);
          else merge(walk(selection.selectionSet, returned as GraphQLCompositeType), 1);
          break;
        }
        case Kind.INLINE_FRAGMENT: {
          const typed = selection.typeCondition
            ? (schema.getType(selection.typeCondition.name.value) as GraphQLCompositeType)
            : parent;
          // Selecting on a type reads it: an `_entities` fetch reaches its types only so.
          if (selection.typeCondition) facts.coordinates.add(typed.name);
          merge(walk(selection.selectionSet, typed), 0);
          break;
        }
        case Kind.FRAGMENT_SPREAD: {
          const name = selection.name.value;
          let inner = memo.get(name);
          const fragment = fragments.get(name);
          if (inner === undefined && fragment !== undefined) {
            inner = walk(
              fragment.selectionSet,
              schema.getType(fragment.typeCondition.name.value) as GraphQLCompositeType,
            );
            memo.set(name, inner);
          }
          if (fragment !== undefined) facts.coordinates.add(fragment.typeCondition.name.value);
          if (inner !== undefined) merge(inner, 0);
          break;
        }
      }
    }
    return facts;
  }

  const root = schema.getRootType(operation.operation);
  const facts = root
    ? walk(operation.selectionSet, root)
    : { depth: 0, aliases: 0, coordinates: new Set<string>() };
  const requirements = new Map<string, readonly AccessRequirement[]>();
  for (const coordinate of facts.coordinates) {
    const found = access.get(coordinate);
    if (found !== undefined) requirements.set(coordinate, found);
  }
  return { depth: facts.depth, aliases: facts.aliases, requirements };
}
