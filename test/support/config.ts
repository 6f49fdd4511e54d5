import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../lib/logger.ts';
import { bearer } from './auth.ts';
import { graphql } from './http.ts';

/** Every log line of the services in this process, for assertions (level debug). */
export function captureLogs(): { logger(service: string): Logger; text(): string } {
  let captured = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      captured += chunk.toString('utf8');
      done();
    },
  });
  return { logger: (service) => createLogger(service, 'debug', sink), text: () => captured };
}

export interface SetConfigAnswer {
  ok: boolean;
  version: string | null;
  file: string | null;
  changed: string[];
  errors: Array<{ application: string; path: string; message: string }>;
}

/** Where configuration mutations go: the gateway, with a token carrying `config:write`. */
export interface ConfigEndpoint {
  graphqlUrl: string;
  adminToken: string;
}

/** The setConfig mutation through the gateway; the token's subject becomes the commit author. */
export async function setConfig(
  endpoint: ConfigEndpoint,
  args: { application: string; profile?: string; values: unknown; message?: string },
  token = endpoint.adminToken,
): Promise<SetConfigAnswer> {
  const answer = await graphql<{ setConfig: SetConfigAnswer }>(
    endpoint.graphqlUrl,
    `
      mutation ($application: String!, $profile: String, $values: JSON!, $message: String) {
        setConfig(
          application: $application
          profile: $profile
          values: $values
          message: $message
        ) {
          ok
          version
          file
          changed
          errors {
            application
            path
            message
          }
        }
      }
    `,
    { profile: 'default', ...args },
    bearer(token),
  );
  if (answer.errors !== undefined || answer.data === undefined)
    throw new Error(`setConfig failed: ${JSON.stringify(answer.errors)}`);
  return answer.data.setConfig;
}

export interface RefreshAnswer {
  version: string;
  changed: boolean;
  applications: string[];
  errors: Array<{ application: string; path: string; message: string }>;
}

/** The refreshConfig mutation: the config service looks for direct commits. */
export async function refreshConfig(endpoint: ConfigEndpoint): Promise<RefreshAnswer> {
  const answer = await graphql<{ refreshConfig: RefreshAnswer }>(
    endpoint.graphqlUrl,
    'mutation { refreshConfig { version changed applications errors { application path message } } }',
    {},
    bearer(endpoint.adminToken),
  );
  if (answer.errors !== undefined || answer.data === undefined)
    throw new Error(`refreshConfig failed: ${JSON.stringify(answer.errors)}`);
  return answer.data.refreshConfig;
}

/** An `Authorization: Basic` header, as Spring Cloud Config clients and `curl -u` send it. */
export function basicAuth(username: string, password: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` };
}

/** The config service's endpoint and the credentials it accepts (see RunningSystem). */
export interface ConfigServer {
  configUrl: string;
  configAuth: { username: string; password: string };
}

/**
 * A GET on the config service's Spring endpoint (`path` from `/config/...`), with its
 * credentials unless `headers` says otherwise (`{}`: anonymous).
 */
export function fetchEnvironment(
  server: ConfigServer,
  path: string,
  headers: Record<string, string> = basicAuth(
    server.configAuth.username,
    server.configAuth.password,
  ),
): Promise<Response> {
  return fetch(`${server.configUrl}${path}`, { headers });
}

/** Runs git in a configuration repository, as an operator would. */
export function gitIn(repo: string, ...args: string[]): string {
  return execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8' }).trim();
}

/** An operator's direct commit: edit a file in the checkout, `git commit` it. */
export async function commitDirectly(
  repo: string,
  file: string,
  text: string,
  message: string,
): Promise<string> {
  await writeFile(path.join(repo, file), text);
  gitIn(repo, 'add', file);
  gitIn(
    repo,
    '-c',
    'user.name=operator',
    '-c',
    'user.email=op@example.com',
    'commit',
    '-qm',
    message,
  );
  return gitIn(repo, 'rev-parse', 'HEAD');
}
