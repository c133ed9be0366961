/**
 * Serves the built UI on a free loopback port for the page tests. ui/dist is used when
 * it is newer than every input of the build (as right after `make ui`); otherwise the
 * UI is built as `vite build` does into a temporary folder (ui/dist is left alone).
 * ARBEIDSFLATE_UI_BUILT names a build to serve instead (the date matrix builds once).
 */
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import type { TestProject } from 'vitest/node';
import { serveStatic } from './static-server';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where the built UI is served, e.g. http://127.0.0.1:40123 */
    uiUrl: string;
  }
}

const UI_DIR = fileURLToPath(new URL('../../', import.meta.url));

/** The CSP the Tauri window applies (tauri.conf.json, app.security.csp). */
async function appCsp(): Promise<string | null> {
  const conf = JSON.parse(await readFile(join(UI_DIR, '..', 'tauri.conf.json'), 'utf8')) as {
    app?: { security?: { csp?: string } };
  };
  return conf.app?.security?.csp ?? null;
}

/** The newest modification time among `paths` (files, or folders walked recursively). */
async function newest(paths: string[]): Promise<number> {
  let latest = 0;
  for (const path of paths) {
    const info = await stat(path).catch(() => null);
    if (!info) continue;
    if (info.isDirectory()) {
      const entries = await readdir(path);
      latest = Math.max(latest, await newest(entries.map((e) => join(path, e))));
    } else {
      latest = Math.max(latest, info.mtimeMs);
    }
  }
  return latest;
}

/** ui/dist if it was built after its last input changed, else null. */
async function freshDist(): Promise<string | null> {
  const dist = join(UI_DIR, 'dist');
  const built = await stat(join(dist, 'index.html')).catch(() => null);
  if (!built) return null;
  const inputs = ['src', 'index.html', 'vite.config.ts', 'svelte.config.js', 'package.json', 'package-lock.json'];
  const changed = await newest(inputs.map((p) => join(UI_DIR, p)));
  return built.mtimeMs > changed ? dist : null;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let root = process.env.ARBEIDSFLATE_UI_BUILT || (await freshDist());
  let temporary: string | null = null;
  if (!root) {
    temporary = await mkdtemp(join(tmpdir(), 'arbeidsflate-ui-'));
    await build({
      root: UI_DIR,
      configFile: join(UI_DIR, 'vite.config.ts'),
      logLevel: 'warn',
      build: { outDir: temporary, emptyOutDir: true, rolldownOptions: { checks: { pluginTimings: false } } },
    });
    root = temporary;
  }
  const server = await serveStatic(root, await appCsp());
  project.provide('uiUrl', server.url);
  return async () => {
    await server.close();
    if (temporary) await rm(temporary, { recursive: true, force: true });
  };
}
