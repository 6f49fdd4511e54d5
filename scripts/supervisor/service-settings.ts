// The few settings `npm start` needs of the services it runs (where each listens, the gateway's
// write key for the ready table), read from the same files, profiles and environment overrides
// the services resolve theirs from (config/client/load.ts), so there is no second copy of a port.
// Only those settings are validated: a value the start script does not use (an encrypted secret
// only the config service can decrypt, a production rule) is the service's to judge.
import { z } from 'zod';
import { activeProfiles, layerSources, validateConfig } from '../../config/client/load.ts';
import { CIPHER_PREFIX } from '../../config/client/secrets.ts';
import { httpSettings } from '../../config/client/shared-schema.ts';
import { DEFAULT_CONFIG_DIR, readLocalSources } from '../../config/client/sources.ts';

export interface ListenSettings {
  host: string;
  port: number;
}

export interface LoadSettingsOptions {
  env: NodeJS.ProcessEnv;
  /** Configuration directory; defaults to this checkout's `config/`. */
  dir?: string;
}

const listenSchema = z.object({ http: httpSettings });
const ingestSchema = z.object({ ingest: z.object({ writeKeys: z.array(z.string()) }) });

/** A service's settings tree before validation: its files, profiles and environment overrides. */
export async function settingsTree(application: string, options: LoadSettingsOptions) {
  const sources = await readLocalSources(
    options.dir ?? DEFAULT_CONFIG_DIR,
    application,
    activeProfiles(options.env),
  );
  return layerSources(sources, options.env);
}

/** `http.host` and `http.port` of a service, as the service will listen. */
export async function loadListenSettings(
  application: string,
  options: LoadSettingsOptions,
): Promise<ListenSettings> {
  const tree = await settingsTree(application, options);
  return validateConfig(application, listenSchema, tree).http;
}

/** The first of the gateway's write keys that is not encrypted, to show; undefined if none. */
export async function loadShownWriteKey(options: LoadSettingsOptions): Promise<string | undefined> {
  const tree = await settingsTree('gateway', options);
  const { writeKeys } = validateConfig('gateway', ingestSchema, tree).ingest;
  return writeKeys.find((key) => !key.startsWith(CIPHER_PREFIX));
}
