#!/usr/bin/env node
// The `postflow` command: runs the compiled CLI (npm run build produces dist/).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const entry = join(root, 'dist', 'main', 'cli.js');
if (!existsSync(entry)) {
  process.stderr.write('postflow: dist/ is missing; run `npm run build` first (npm start does it for you)\n');
  process.exit(1);
}
await import(pathToFileURL(entry).href);
