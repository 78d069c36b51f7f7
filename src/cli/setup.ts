// What every command does first (CORE 7.2, IF-018): load dotenv, then the config file, then resolve
// settings as flag > environment (dotenv included) > ironflow.yaml > default, and check them.
import { loadDotenv } from '../config/dotenv.js';
import { type FileConfig, loadConfigFile } from '../config/file.js';
import { checkSettings, overrideSetting, parseSetting, S, settingSpec } from '../config/settings.js';
import { openStore, resolveStoreSpec } from '../store/open.js';
import type { StateStore } from '../store/types.js';

export interface CliGlobals {
  dotenv?: string;
  config?: string;
  storeDir?: string;
  store?: string;
}

export async function setup(opts: CliGlobals): Promise<FileConfig> {
  loadDotenv(opts.dotenv);
  const config = await loadConfigFile(opts.config);
  if (process.env[S.maxConcurrentTasks.env] === undefined && config.max_concurrent_tasks !== undefined) {
    // The same rules as the environment value: an invalid YAML value is an error, never skipped.
    const v = parseSetting(settingSpec(S.maxConcurrentTasks.env)!, String(config.max_concurrent_tasks));
    overrideSetting(S.maxConcurrentTasks.env, v);
  }
  // Engine settings now; a node family's settings are checked when a flow first uses the family.
  checkSettings();
  return config;
}

/** The run store of a command: --store > IRONFLOW_STORE > YAML storage > the JSON directory (src/store/open.ts). */
export async function openCliStore(opts: CliGlobals, config: FileConfig): Promise<StateStore> {
  const resolved = resolveStoreSpec({
    flag: opts.store,
    storeDirFlag: opts.storeDir,
    env: process.env,
    yaml: config,
  });
  return openStore(resolved.spec, resolved.options);
}
