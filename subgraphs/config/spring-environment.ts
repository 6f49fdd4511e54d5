import type { ConfigTree, PropertySource } from '../../config/client/sources.ts';
import type { ResolvedEnvironment } from './environment.ts';

/** Spring Cloud Config's `Environment` JSON, as `GET /{application}/{profile}[/{label}]` answers. */
export interface SpringEnvironment {
  name: string;
  profiles: string[];
  label: string | null;
  version: string;
  state: string | null;
  propertySources: Array<{ name: string; source: Record<string, unknown> }>;
}

function isTree(value: unknown): value is ConfigTree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Spring's YAML flattening (YamlProcessor): nested keys joined with `.`, list items as
 * `key[0]`, an empty list and a null as the empty string; an empty mapping contributes nothing.
 */
export function flattenProperties(tree: ConfigTree): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  const walk = (value: unknown, key: string): void => {
    if (isTree(value)) {
      for (const [child, nested] of Object.entries(value))
        walk(
          nested,
          key === '' ? child : child.startsWith('[') ? `${key}${child}` : `${key}.${child}`,
        );
    } else if (Array.isArray(value)) {
      if (value.length === 0) result[key] = '';
      else value.forEach((item, index) => walk(item, `${key}[${index}]`));
    } else {
      result[key] = value ?? '';
    }
  };
  walk(tree, '');
  return result;
}

/**
 * The Spring Cloud Config answer for a resolved environment: property sources highest
 * precedence first, named `<repository uri>/<file>`, flattened to dotted keys, the requested
 * label (null when none was given) and the commit id as `version`. With `nested`, sources keep
 * their YAML structure (PulseHub's own client asks for this: flattening is lossy).
 */
export function toSpringEnvironment(
  environment: ResolvedEnvironment,
  sources: readonly PropertySource[],
  options: { uri: string; nested: boolean },
): SpringEnvironment {
  return {
    name: environment.name,
    profiles: environment.profiles,
    label: environment.requestedLabel ?? null,
    version: environment.version,
    state: null,
    propertySources: [...sources].reverse().map((source) => ({
      name: `${options.uri}/${source.name}`,
      source: options.nested ? source.source : flattenProperties(source.source),
    })),
  };
}
