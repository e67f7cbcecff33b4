// Bundles the dashboard (apps/dashboard/src, TypeScript) with esbuild into
// apps/dashboard/public/dist/, which the fusion service serves. Run by `npm run build`;
// `node apps/dashboard/build.js --watch` rebuilds on change. The bundle is not committed.
const path = require('node:path');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..', '..');
const options = {
  // preload: a small script that starts the first render's largest request before the main bundle is parsed.
  entryPoints: { dashboard: path.join(__dirname, 'src', 'main.ts'), preload: path.join(__dirname, 'src', 'preload.ts') },
  outdir: path.join(__dirname, 'public', 'dist'),
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: ['chrome110', 'firefox110', 'safari16'],
  minify: true,
  sourcemap: true,
  legalComments: 'linked',
  // The browser-safe part of the shared contracts (no Node APIs): types come from the package root.
  alias: { '@crosscast/contracts': path.join(root, 'libs', 'contracts', 'src', 'browser.ts') },
  loader: { '.png': 'file', '.svg': 'file' },
  assetNames: 'assets/[name]-[hash]',
  logLevel: 'warning',
  metafile: true,
};

async function main() {
  if (process.argv.includes('--watch')) {
    const ctx = await esbuild.context(options);
    await ctx.watch();
    console.log('dashboard: watching apps/dashboard/src');
    return;
  }
  const result = await esbuild.build(options);
  const out = Object.entries(result.metafile.outputs).filter(([file]) => !file.endsWith('.map'));
  console.log(`dashboard: ${out.map(([file, o]) => `${path.relative(root, file)} ${(o.bytes / 1024).toFixed(0)} KiB`).join(', ')}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
