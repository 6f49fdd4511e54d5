import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { requireExecutable } from '../../infra/executables.ts';
import { ensureMavenJars } from '../../infra/maven-jars.ts';
import { runCommand } from '../../infra/process.ts';
import { infraSettings, REPO_ROOT } from './infra-settings.ts';

const PROJECT = path.join(REPO_ROOT, 'test', 'spring-client');
const POM = path.join(PROJECT, 'pom.xml');
const SOURCE = path.join(PROJECT, 'src', 'dev', 'pulsehub', 'probe', 'ConfigProbe.java');
const MAIN_CLASS = 'dev.pulsehub.probe.ConfigProbe';

/**
 * The jars of test/spring-client/pom.xml (Spring Boot + Spring Cloud Config client, about
 * 26 MB), fetched from Maven Central once into .cache/ under the POM's hash, so an edited POM
 * fetches afresh.
 */
async function ensureJars(): Promise<string> {
  const pomHash = createHash('sha256').update(readFileSync(POM)).digest('hex').slice(0, 12);
  const libsDir = path.join(infraSettings().cacheDir, `spring-config-client-${pomHash}`, 'libs');
  await ensureMavenJars(POM, libsDir, 'to fetch the Spring Cloud Config client from Maven Central');
  return libsDir;
}

export interface SpringClient {
  /**
   * Starts the Spring application `application` against `configUri` with `properties`
   * (spring.cloud.config.username … as `--key=value`), prints `keys` and exits; resolves its
   * exit code, the values it printed and everything it wrote.
   */
  run(
    application: string,
    configUri: string,
    properties: Record<string, string>,
    keys: readonly string[],
  ): Promise<{ code: number | null; values: Record<string, string>; output: string }>;
}

/** Fetches the client's jars (first use) and compiles the probe into `workDir`. */
export async function prepareSpringClient(workDir: string): Promise<SpringClient> {
  const java = requireExecutable('java', 'to run the Spring Cloud Config client');
  const javac = requireExecutable('javac', 'to compile the Spring Cloud Config client probe');
  const libsDir = await ensureJars();
  const classes = path.join(workDir, 'classes');
  const classpath = `${path.join(libsDir, '*')}`;
  await runCommand(javac, ['-d', classes, '-cp', classpath, SOURCE]);
  return {
    async run(application, configUri, properties, keys) {
      const args = [
        // A short-lived JVM: the C1 compiler alone and the serial collector start fastest.
        '-XX:TieredStopAtLevel=1',
        '-XX:+UseSerialGC',
        '-cp',
        `${classes}${path.delimiter}${classpath}`,
        MAIN_CLASS,
        `--spring.application.name=${application}`,
        `--spring.config.import=configserver:${configUri}`,
        '--spring.cloud.config.fail-fast=true',
        '--spring.main.banner-mode=off',
        `--probe.keys=${keys.join(',')}`,
        ...Object.entries(properties).map(([key, value]) => `--${key}=${value}`),
      ];
      const child = spawn(java, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000); // 1 minute
      // 'close', not 'exit': the output is complete only once its pipes closed.
      const [code] = (await once(child, 'close')) as [number | null];
      clearTimeout(timer);
      const values: Record<string, string> = {};
      for (const [, key = '', value = ''] of output.matchAll(/^PROBE ([^=\n]+)=(.*)$/gm))
        values[key] = value;
      return { code, values, output };
    },
  };
}
