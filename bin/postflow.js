#!/usr/bin/env node
// The `postflow` command: runs the compiled CLI (npm run build produces dist/). Server commands (start, api, worker)
// are run in a child process with the Node flags they need when this one lacks them (dist/main/launch.js).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const entry = join(root, 'dist', 'main', 'cli.js');
if (!existsSync(entry)) {
  process.stderr.write('postflow: dist/ is missing; run `npm run build` first (npm start does it for you)\n');
  process.exit(1);
}
const { launch } = await import(pathToFileURL(join(root, 'dist', 'main', 'launch.js')).href);
if (!launch(process.argv.slice(2), fileURLToPath(import.meta.url))) await import(pathToFileURL(entry).href);
