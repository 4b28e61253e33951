// zerotier-cli's own switch grammar (06 §6.1), which is not shaped like yargs': a switch is
// one letter with its value attached (-D<path>, -p<port>, -T<token>, -H<ip>), -j -v -q take
// nothing attached, -h -? and any unknown letter ask for help. Words that are not switches
// fill the command, then arg1, then arg2 — every further word overwrites arg2. Pure.
import { parseUnsignedPrefix } from './api-client.js';

export interface ZerotierCliSwitches {
  home?: string;
  port?: number;
  token?: string;
  host: string;
  isJson: boolean;
}

export type ZerotierCliArgs =
  | { kind: 'help'; exitCode: 0 | 1 }
  | { kind: 'version' }
  | { kind: 'run'; switches: ZerotierCliSwitches; command: string; arg1: string; arg2: string; words: string[] };

export function parseZerotierCliArgs(args: string[]): ZerotierCliArgs {
  const switches: ZerotierCliSwitches = { host: '127.0.0.1', isJson: false };
  let command = '';
  let arg1 = '';
  let arg2 = '';
  for (const a of args) {
    if (!a.startsWith('-')) {
      if (arg1.length > 0) arg2 = a;
      else if (command.length > 0) arg1 = a;
      else command = a;
      continue;
    }
    const rest = a.slice(2);
    switch (a[1]) {
      case 'q': // how zerotier-one -q hands over to this personality: ignored
      case 'j':
        if (rest.length > 0) return { kind: 'help', exitCode: 1 };
        if (a[1] === 'j') switches.isJson = true;
        break;
      case 'p': {
        const port = parseUnsignedPrefix(rest);
        if (port === 0 || port > 0xffff) return { kind: 'help', exitCode: 1 };
        switches.port = port;
        break;
      }
      case 'D':
      case 'H':
      case 'T':
        if (rest.length === 0) return { kind: 'help', exitCode: 1 };
        if (a[1] === 'D') switches.home = rest;
        else if (a[1] === 'H') switches.host = rest;
        else switches.token = rest;
        break;
      case 'v':
        return rest.length > 0 ? { kind: 'help', exitCode: 1 } : { kind: 'version' };
      default: // -h, -?, a lone "-" and any other letter
        return { kind: 'help', exitCode: 0 };
    }
  }
  return { kind: 'run', switches, command, arg1, arg2, words: args };
}
