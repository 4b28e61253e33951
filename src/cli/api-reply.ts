// What zerotier-cli prints for an API reply (06 §6.1), as pure functions: the text on stdout
// and the exit code. Commands that read (info, peers, listnetworks) and commands that change
// (join, leave) report a missing connection differently.
import { parseJsonLossless } from '../util/json-text.js';
import type { ApiReply } from './api-client.js';

export interface CliOutcome {
  stdout: string;
  exitCode: number;
}

/** zerotier-cli names port 9993 whatever it used; this names the real one. */
export function connectionErrorText(reason: string, port: number): string {
  return `Error connecting to the ZeroTier service: ${reason}\n\nPlease check that the service is running and that TCP port ${port} can be contacted via 127.0.0.1.\n`;
}

/**
 * A reading command: no connection → the error text; a body that is not JSON →
 * `<status> <command> invalid JSON response (…)`; status ≠ 200 → `<status> <command> <body>`;
 * else `render` of the parsed body. All exit 1 but the last. (The order is zerotier-cli's:
 * a 404 without a body is an invalid JSON response.)
 */
export function readingOutcome(command: string, reply: ApiReply, port: number, render: (json: unknown) => string): CliOutcome {
  if (reply.status === 0) return { stdout: connectionErrorText(reply.body, port), exitCode: 1 };
  let json: unknown;
  try {
    json = parseJsonLossless(reply.body); // 64-bit ids stay whole through -j
  } catch (e) {
    return { stdout: `${reply.status} ${command} invalid JSON response (${(e as Error).message})\n`, exitCode: 1 };
  }
  if (reply.status !== 200) return { stdout: `${reply.status} ${command} ${reply.body}\n`, exitCode: 1 };
  return { stdout: render(json), exitCode: 0 };
}

/** join/leave: `200 <command> OK`, or with -j the raw body without a newline; else `<status> <command> <body>` (status 0 without a connection). */
export function changingOutcome(command: string, reply: ApiReply, isJson: boolean): CliOutcome {
  if (reply.status !== 200) return { stdout: `${reply.status} ${command} ${reply.body}\n`, exitCode: 1 };
  return { stdout: isJson ? reply.body : `200 ${command} OK\n`, exitCode: 0 };
}
