// Builds the wizard page (web/) with Vite into `outDir`: one HTML file, hashed JS and CSS, no inline
// script (the bridge serves it under a CSP without 'unsafe-inline').
import { fileURLToPath } from 'node:url'
import { build } from 'vite'

/** The page's source directory. */
export const WEB_ROOT = fileURLToPath(new URL('../../web/', import.meta.url))

/** Runs a production Vite build of web/ into `outDir` (emptied first). Does I/O. */
export async function buildPage(outDir: string): Promise<void> {
  await build({
    root: WEB_ROOT,
    base: './',
    configFile: false,
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true, modulePreload: { polyfill: false }, assetsInlineLimit: 0 },
  })
}
