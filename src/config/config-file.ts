import { existsSync } from 'node:fs';

/** The configuration file in force: POSTFLOW_CONFIG, else `postflow.config.json` in `cwd` when there is one. */
export function configFilePath(env: Record<string, string | undefined>, cwd = '.'): string | undefined {
  return env.POSTFLOW_CONFIG ?? (existsSync(`${cwd}/postflow.config.json`) ? `${cwd}/postflow.config.json` : undefined);
}
