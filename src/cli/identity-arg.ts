// zerotier-idtool's identity argument rule (06 §7): longer than 32 characters with ':' as
// the 11th character means an identity literal, anything else is a file to read.
import { Identity } from '../protocol/identity.js';
import type { CliIo } from './io.js';

export function isIdentityLiteral(arg: string): boolean {
  return arg.length > 32 && arg[10] === ':';
}

/** The identity named by arg, or null when the literal or the file is unusable. */
export function loadIdentityArg(io: CliIo, arg: string): Identity | null {
  let text: string;
  if (isIdentityLiteral(arg)) {
    text = arg;
  } else {
    try {
      text = Buffer.from(io.readFile(arg)).toString('utf8');
    } catch {
      return null; // unreadable file: the caller prints idtool's message for it
    }
  }
  try {
    return Identity.fromString(text.trim());
  } catch {
    return null; // malformed identity: same message as an unreadable file, as in 1.14.1
  }
}
