// Resolves the `@crosscast/*` path aliases for the compiled code in dist/ (tsc keeps
// the import specifiers as written). Loaded with `node -r ./tools/register-aliases.js`.
const path = require('node:path');
const tsConfigPaths = require('tsconfig-paths');

tsConfigPaths.register({
  baseUrl: path.join(__dirname, '..', 'dist'),
  paths: { '@crosscast/*': ['libs/*/src'] },
});
