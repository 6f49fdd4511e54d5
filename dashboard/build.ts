// Builds the dashboard page into .cache/dashboard/: `node --import tsx dashboard/build.ts`.
// Runs in `npm ci` (the root "prepare" script), and the gateway runs it at start when the built
// page is missing or older than its sources, so a fresh clone and `npm start` serve a current page.
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { repoPath } from '../schema/repo-root.ts';

// From the repository, not from this file: the gateway may run this module compiled (dist/).
export const DASHBOARD_SOURCE_DIR = repoPath('dashboard');
export const DASHBOARD_BUILD_DIR = repoPath('.cache', 'dashboard');
/** Where the hashed assets live inside the build directory, and their URL path. */
export const ASSET_DIR = 'assets';
/** Written last: its presence means a complete build, its time the build's time. */
export const MANIFEST_FILE = 'manifest.json';

export interface DashboardManifest {
  builtAt: string;
  /** Asset file names (in ASSET_DIR), source maps included. */
  assets: string[];
}

/** An asset no current build names is kept this long, for pages still loading it. */
const STALE_ASSET_GRACE_MS = 10 * 60_000; // 10 minutes

/** Every file the page is built from (sources, page, styles, this script). */
async function sourceFiles(): Promise<string[]> {
  const src = path.join(DASHBOARD_SOURCE_DIR, 'src');
  const modules = (await readdir(src)).map((name) => path.join(src, name));
  return [
    ...modules,
    path.join(DASHBOARD_SOURCE_DIR, 'index.html'),
    path.join(DASHBOARD_SOURCE_DIR, 'style.css'),
    path.join(DASHBOARD_SOURCE_DIR, 'build.ts'),
  ];
}

/** True when there is no complete build or a source changed after it. */
export async function dashboardIsStale(outDir = DASHBOARD_BUILD_DIR): Promise<boolean> {
  let builtAtMs: number;
  try {
    builtAtMs = (await stat(path.join(outDir, MANIFEST_FILE))).mtimeMs;
  } catch {
    return true;
  }
  for (const file of await sourceFiles()) if ((await stat(file)).mtimeMs > builtAtMs) return true;
  return false;
}

/** Replaces the one reference `from` in the page by `to`: a page without it is a build error. */
function replaceOnce(html: string, from: string, to: string): string {
  const parts = html.split(from);
  if (parts.length !== 2) throw new Error(`dashboard/index.html must reference ${from} once`);
  return parts.join(to);
}

/**
 * Bundles the page: scripts and styles (uPlot's included) under content-hashed names with
 * source maps, then the index naming them. Nothing is fetched from elsewhere at runtime.
 */
export async function buildDashboard(outDir = DASHBOARD_BUILD_DIR): Promise<DashboardManifest> {
  const assetDir = path.join(outDir, ASSET_DIR);
  await mkdir(assetDir, { recursive: true });
  const result = await build({
    entryPoints: {
      app: path.join(DASHBOARD_SOURCE_DIR, 'src', 'main.ts'),
      style: path.join(DASHBOARD_SOURCE_DIR, 'style.css'),
    },
    bundle: true,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    minify: true,
    sourcemap: true,
    entryNames: '[name]-[hash]',
    outdir: assetDir,
    metafile: true,
    logLevel: 'silent',
    tsconfig: path.join(DASHBOARD_SOURCE_DIR, 'tsconfig.json'),
  });
  const outputs = Object.entries(result.metafile.outputs);
  const entry = (name: string) => {
    const found = outputs.find(([, output]) => output.entryPoint?.endsWith(name) === true);
    if (found === undefined) throw new Error(`esbuild produced no output for ${name}`);
    return `/dashboard/${ASSET_DIR}/${path.basename(found[0])}`;
  };
  let html = await readFile(path.join(DASHBOARD_SOURCE_DIR, 'index.html'), 'utf8');
  html = replaceOnce(html, 'href="style.css"', `href="${entry('style.css')}"`);
  html = replaceOnce(html, 'src="src/main.ts"', `src="${entry('main.ts')}"`);
  const manifest: DashboardManifest = {
    builtAt: new Date().toISOString(),
    assets: outputs.map(([file]) => path.basename(file)).sort(),
  };
  // Written through a temporary name and renamed: a gateway reading the page meanwhile, or
  // another process building at the same time, sees a whole file, never half of one.
  const writeWhole = async (name: string, content: string) => {
    const temporary = path.join(outDir, `.${name}.${process.pid}.${Date.now()}`);
    await writeFile(temporary, content);
    await rename(temporary, path.join(outDir, name));
  };
  await writeWhole('index.html', html);
  await writeWhole(MANIFEST_FILE, `${JSON.stringify(manifest, null, 2)}\n`);
  await removeStaleAssets(assetDir, new Set(manifest.assets));
  return manifest;
}

async function removeStaleAssets(assetDir: string, current: ReadonlySet<string>): Promise<void> {
  for (const name of await readdir(assetDir)) {
    if (current.has(name)) continue;
    const file = path.join(assetDir, name);
    const { mtimeMs } = await stat(file).catch(() => ({ mtimeMs: Date.now() }));
    if (Date.now() - mtimeMs > STALE_ASSET_GRACE_MS) await rm(file, { force: true });
  }
}

if (
  process.argv[1] !== undefined &&
  path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)
) {
  const started = performance.now();
  const manifest = await buildDashboard();
  process.stdout.write(
    `dashboard built into ${path.relative(process.cwd(), DASHBOARD_BUILD_DIR) || '.'} ` +
      `(${manifest.assets.length} assets) in ${Math.round(performance.now() - started)} ms\n`,
  );
}
