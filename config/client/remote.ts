import { z } from 'zod';
import type { ConfigServerSettings } from './shared-schema.ts';
import type { ConfigTree, PropertySource } from './sources.ts';

/** A service's configuration as the config service answered it. */
export interface RemoteEnvironment {
  /** The commit the answer was read from. */
  version: string;
  /** Property sources, lowest precedence first, as nested trees with secrets decrypted. */
  sources: PropertySource[];
}

/** A failed request to the config service; `retryable` when it may answer later. */
export class ConfigServerError extends Error {
  override readonly name = 'ConfigServerError';
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

const environmentAnswer = z.object({
  name: z.string(),
  version: z.string().min(1),
  propertySources: z.array(
    z.object({ name: z.string(), source: z.record(z.string(), z.unknown()) }),
  ),
});

/**
 * The path of the environment endpoint, Spring Cloud Config style. A `/` inside a label is
 * written `(_)`, as Spring clients do, so branch names like `release/1.2` fit in one segment.
 */
export function environmentPath(
  application: string,
  profiles: readonly string[],
  label: string,
): string {
  const profile = profiles.length === 0 ? 'default' : profiles.join(',');
  return `/config/${encodeURIComponent(application)}/${encodeURIComponent(profile)}/${encodeURIComponent(label.replaceAll('/', '(_)'))}`;
}

/**
 * The credentials for the config service: the bearer token when one is set, otherwise HTTP
 * Basic with `configServer.username/password`, as Spring Cloud Config clients send them.
 */
export function authorization(settings: ConfigServerSettings): { authorization?: string } {
  if (settings.token !== '') return { authorization: `Bearer ${settings.token}` };
  if (settings.username === '' && settings.password === '') return {};
  const pair = Buffer.from(`${settings.username}:${settings.password}`, 'utf8');
  return { authorization: `Basic ${pair.toString('base64')}` };
}

/**
 * One request for `application`'s configuration. Asks for nested sources (`nested=true`):
 * Spring's flattened keys cannot tell an empty list or a null from an empty string.
 */
export async function fetchRemoteEnvironment(
  settings: ConfigServerSettings,
  application: string,
  profiles: readonly string[],
): Promise<RemoteEnvironment> {
  const url = `${settings.url.replace(/\/+$/, '')}${environmentPath(application, profiles, settings.label)}?nested=true`;
  let response: Response;
  try {
    response = await fetch(url, {
      headers: {
        accept: 'application/json',
        ...authorization(settings),
      },
      signal: AbortSignal.timeout(settings.timeoutMs),
    });
  } catch (error) {
    throw new ConfigServerError(
      `config service at ${settings.url} unreachable: ${(error as Error).message}`,
      true,
    );
  }
  const text = await response.text();
  if (!response.ok) {
    let message = text;
    try {
      message = (JSON.parse(text) as { error?: string }).error ?? text;
    } catch {
      // Not JSON: keep the raw text.
    }
    // Name the settings: a 401 at start stops the service, and this is what it prints.
    if (response.status === 401)
      message += ' (check configServer.username and configServer.password, or configServer.token)';
    // 5xx may pass (a restarting service); 4xx is a request the service will keep refusing.
    throw new ConfigServerError(
      `config service answered ${response.status} for ${application}: ${message}`,
      response.status >= 500,
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const parsed = environmentAnswer.safeParse(body);
  if (!parsed.success)
    throw new ConfigServerError(`config service answered an unexpected shape for ${url}`, false);
  return {
    version: parsed.data.version,
    // Spring lists the highest precedence first.
    sources: [...parsed.data.propertySources]
      .reverse()
      .map(({ name, source }) => ({ name, source: source as ConfigTree })),
  };
}

/** The wait before attempt `attempt` (1-based; the first attempt does not wait). */
export function retryDelay(retry: ConfigServerSettings['retry'], attempt: number): number {
  if (attempt <= 1) return 0;
  return Math.min(retry.initialDelayMs * retry.multiplier ** (attempt - 2), retry.maxDelayMs);
}

/** Runs `request` until it succeeds, a non-retryable error, or the attempts are used up. */
export async function withRetry<T>(
  retry: ConfigServerSettings['retry'],
  request: () => Promise<T>,
  onFailure: (error: ConfigServerError, attempt: number) => void = () => undefined,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const wait = retryDelay(retry, attempt);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    try {
      return await request();
    } catch (error) {
      const failure =
        error instanceof ConfigServerError
          ? error
          : new ConfigServerError((error as Error).message, false);
      onFailure(failure, attempt);
      if (!failure.retryable || attempt >= retry.attempts) throw failure;
    }
  }
}
