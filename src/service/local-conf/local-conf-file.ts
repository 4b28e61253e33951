// local.conf over the daemon's life (06 §3.1, §5.10): read at start (a bad file stops the
// start), checked every 10 s and re-read when its mtime or size changed, and merged into by
// POST /config/settings. Where 1.14.1 re-reads only a file modified within the last 10 s and
// exits on invalid JSON at a reload, this re-reads any change (a file copied in with an old
// mtime is seen too) and keeps the configuration it has when the new text is bad, saying so.
import { readFileSync, statSync } from 'node:fs';
import { ConfigError, errnoCode, fileError } from '../../util/errors.js';
import { indentedJson, parseJsonLossless } from '../../util/json-text.js';
import { writeFileAtomic } from '../home.js';
import { emptyLocalConf, interpretLocalConf, readLocalConf, statLocalConf, type LocalConf, type LocalConfStamp } from './local-conf.js';
import { isJsonObject } from './json-coerce.js';

export const LOCAL_CONF_CHECK_INTERVAL_MS = 10_000;

export class LocalConfFile {
  readonly path: string;
  private conf: LocalConf = emptyLocalConf();
  private stamp: LocalConfStamp | null = null;

  constructor(path: string) {
    this.path = path;
  }

  /** The configuration in force (the last good read). */
  get current(): LocalConf {
    return this.conf;
  }

  /** Reads the file at start; throws ConfigError / FileError naming it. */
  load(): LocalConf {
    const r = readLocalConf(this.path);
    this.conf = r?.conf ?? emptyLocalConf();
    this.stamp = r?.stamp ?? null;
    return this.conf;
  }

  /**
   * The new configuration when the file changed since the last read, else null. A file that
   * no longer parses throws (ConfigError naming it) and is not read again until it changes.
   * A file that disappeared keeps the configuration in force, as 1.14.1 does.
   */
  reloadIfChanged(): LocalConf | null {
    const now = statLocalConf(this.path);
    if (!now || (this.stamp && now.mtimeMs === this.stamp.mtimeMs && now.size === this.stamp.size)) return null;
    this.stamp = now;
    const r = readLocalConf(this.path);
    if (!r) return null;
    this.stamp = r.stamp;
    this.conf = r.conf;
    return r.conf;
  }

  /**
   * POST /config/settings (06 §5.10): each key of `changes` replaces that key of `settings`,
   * and the file is written with a 4-space indent and no final newline. The merge starts from
   * the file as it is on disk now, so an edit not yet reloaded is kept; a file that is not
   * valid JSON is not replaced (ConfigError), nor is a result the daemon could not start
   * with. Written through a temporary file and a rename, keeping the file's mode. The new
   * text is what GET /config shows at once; the settings take effect at the next reload check.
   */
  mergeSettings(changes: Record<string, unknown>): void {
    let base: Record<string, unknown> = {};
    let mode = 0o644;
    let text = '';
    try {
      mode = statSync(this.path).mode & 0o7777;
      text = readFileSync(this.path, 'utf8');
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') throw fileError(e, this.path, 'reading the local configuration');
    }
    if (text.trim().length > 0) {
      let parsed: unknown;
      try {
        parsed = parseJsonLossless(text);
      } catch (e) {
        throw new ConfigError(`${this.path}: not valid JSON; fix or remove it before changing settings through the API`, { cause: e });
      }
      if (!isJsonObject(parsed)) throw new ConfigError(`${this.path}: does not hold a JSON object; fix or remove it before changing settings through the API`);
      base = parsed;
    }
    const settings = isJsonObject(base.settings) ? { ...base.settings } : {};
    for (const [k, v] of Object.entries(changes)) settings[k] = v;
    const merged = { ...base, settings };
    interpretLocalConf(merged, this.path); // refuse what a restart would refuse
    writeFileAtomic(this.path, indentedJson(merged, 4), mode);
    this.conf = { ...this.conf, raw: merged };
  }
}
