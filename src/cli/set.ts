// `set <nwid> <key>=<value>`: one of the four user settings of a network through POST
// /network/<nwid> (06 §5.7, §6.2). Quirks kept from zerotier-cli 1.14.1: the value is true
// only when it starts with `t` or `1`; another key with `=` does nothing and exits 0; the
// reply is printed raw and without a newline, with or without -j.
import type { ApiRun } from './api-command.js';
import type { CliOutcome } from './api-reply.js';

export const USER_SETTINGS = ['allowManaged', 'allowGlobal', 'allowDefault', 'allowDNS'] as const;

/** `onNoEquals`: what a setting without `=` prints (zerotier-cli: its help on stderr, exit 2). */
export function setRun(nwid: string, setting: string, onNoEquals: () => CliOutcome): ApiRun {
  return async (ctx) => {
    if (nwid.length !== 16) return { stdout: '', stderr: 'invalid format: must be a 16-digit (network) ID\n', exitCode: 2 };
    if (setting.length === 0) return { stdout: '', stderr: 'invalid format: include a property name to set\n', exitCode: 2 };
    const eq = setting.indexOf('=');
    if (eq < 0) return onNoEquals();
    const key = setting.slice(0, eq);
    if (!(USER_SETTINGS as readonly string[]).includes(key)) return { stdout: '', exitCode: 0 };
    const value = setting[eq + 1] === 't' || setting[eq + 1] === '1';
    const reply = await ctx.call('POST', `/network/${nwid}`, `{"${key}":${value}}`);
    if (reply.status !== 200) return { stdout: `${reply.status} set ${reply.body}\n`, exitCode: 1 };
    return { stdout: reply.body, exitCode: 0 };
  };
}
