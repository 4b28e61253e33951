// Chaining ztkube into the node's primary CNI config (issue #12; 07 §1.2), as Istio's and
// Cilium's installers chain theirs: the lexically first *.conflist or *.conf in the conf dir
// that is not ours gets {"type": "ztkube", ...} appended to its plugins; a single-plugin .conf
// becomes a .conflist of the same name + "list" (the .conf goes, as Istio's installer does it).
// Every other plugin and key is kept as it was. Pure: names and texts in, names and texts out.
import { ConfigError } from '../../util/errors.js';

export const ZTKUBE_PLUGIN_TYPE = 'ztkube';

/** The file the plugin is chained into: the lexically first conflist/conf not named for ztkube. */
export function pickPrimaryConfig(fileNames: readonly string[]): string | null {
  const candidates = fileNames.filter((f) => /\.(conflist|conf)$/.test(f) && !f.startsWith('.') && !f.includes('ztkube')).sort();
  return candidates[0] ?? null;
}

export interface ConfEdit {
  /** The file to write (a .conf turns into its .conflist), and what to write there. */
  fileName: string;
  text: string;
  /** A .conf that the .conflist replaces: removed after the write. */
  removes: string | null;
}

type Json = Record<string, unknown>;

function parse(fileName: string, text: string): Json {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${fileName}: not JSON (${(e as Error).message}), so ztkube cannot be chained into it`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ConfigError(`${fileName}: a CNI config must be a JSON object`);
  return v as Json;
}

/** The config as a conflist: its own when it has "plugins", else the .conf's plugin wrapped in one. */
function asConflist(fileName: string, conf: Json): Json {
  if (conf.plugins !== undefined) {
    if (!Array.isArray(conf.plugins)) throw new ConfigError(`${fileName}: "plugins" must be a list`);
    return conf;
  }
  if (typeof conf.type !== 'string') throw new ConfigError(`${fileName}: neither a conflist ("plugins") nor a single plugin ("type")`);
  const { cniVersion, name, ...plugin } = conf;
  return { cniVersion, name, plugins: [plugin] };
}

/**
 * The edit that makes `plugin` the last ztkube entry of the file's chain, or null when the file
 * has it already exactly so (nothing to write).
 */
export function chainPlugin(fileName: string, text: string, plugin: Json): ConfEdit | null {
  const list = asConflist(fileName, parse(fileName, text));
  const plugins = list.plugins as Json[];
  const ours = plugins.filter((p) => p?.type === ZTKUBE_PLUGIN_TYPE);
  const isConf = fileName.endsWith('.conf');
  if (!isConf && ours.length === 1 && plugins[plugins.length - 1] === ours[0] && JSON.stringify(ours[0]) === JSON.stringify(plugin)) return null;
  const next = { ...list, plugins: [...plugins.filter((p) => p?.type !== ZTKUBE_PLUGIN_TYPE), plugin] };
  return { fileName: isConf ? `${fileName}list` : fileName, text: `${JSON.stringify(next, null, 2)}\n`, removes: isConf ? fileName : null };
}

/** The file's text without ztkube, or null when it has no ztkube entry. */
export function unchainPlugin(fileName: string, text: string): string | null {
  const conf = parse(fileName, text);
  if (!Array.isArray(conf.plugins) || !conf.plugins.some((p: Json) => p?.type === ZTKUBE_PLUGIN_TYPE)) return null;
  return `${JSON.stringify({ ...conf, plugins: conf.plugins.filter((p: Json) => p?.type !== ZTKUBE_PLUGIN_TYPE) }, null, 2)}\n`;
}

/** Does the file chain exactly `plugin` (for noticing someone rewrote it)? */
export function hasPlugin(fileName: string, text: string, plugin: Json): boolean {
  try {
    return chainPlugin(fileName, text, plugin) === null;
  } catch (e) {
    if (e instanceof ConfigError) return false; // unreadable now: the installer reports it when it writes
    throw e;
  }
}
