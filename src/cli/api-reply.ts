// What zerotier-cli prints for an API reply (06 §6.1), as pure functions: the text on stdout
// (and stderr) and the exit code. Commands that read (info, peers, listnetworks …) and
// commands that change (join, leave …) report a missing connection differently.
import { parseJsonLossless } from '../util/json-text.js';
import type { ApiReply } from './api-client.js';

export interface CliOutcome {
  stdout: string;
  /** Printed after stdout when both are set (zerotier-cli's order where it writes both). */
  stderr?: string;
  exitCode: number;
}

/**
 * zerotier-cli's text when the service cannot be reached. It always names 127.0.0.1 and
 * port 9993 (06 §12 item 15); `where` replaces them with the real host and port (ztkube's
 * own commands do that, the zerotier-cli front end does not).
 */
export function connectionErrorText(reason: string, where = { host: '127.0.0.1', port: 9993 }): string {
  return `Error connecting to the ZeroTier service: ${reason}\n\nPlease check that the service is running and that TCP port ${where.port} can be contacted via ${where.host}.\n`;
}

/** nlohmann::json's message for an empty document, the one body zerotier-cli commonly fails on (a 404 without a body). */
const EMPTY_INPUT_MESSAGE = "[json.exception.parse_error.101] parse error at line 1, column 1: syntax error while parsing value - unexpected end of input; expected '[', '{', or a literal";

/** The parsed body, or the parser's complaint in zerotier-cli's words where we know them. */
export function parseReplyJson(body: string): { json: unknown } | { error: string } {
  if (body.length === 0) return { error: EMPTY_INPUT_MESSAGE };
  try {
    return { json: parseJsonLossless(body) }; // 64-bit ids stay whole through -j
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/**
 * A reading command: no connection → `unreachable(reason)`; a body that is not JSON →
 * `<status> <command> invalid JSON response (…)`; status ≠ 200 → `<status> <command> <body>`;
 * else `render` of the parsed body. All exit 1 but the last. (The order is zerotier-cli's:
 * a 404 without a body is an invalid JSON response.)
 */
export function readingOutcome(command: string, reply: ApiReply, unreachable: (reason: string) => string, render: (json: unknown) => string | CliOutcome): CliOutcome {
  if (reply.status === 0) return { stdout: unreachable(reply.body), exitCode: 1 };
  const parsed = parseReplyJson(reply.body);
  if ('error' in parsed) return { stdout: `${reply.status} ${command} invalid JSON response (${parsed.error})\n`, exitCode: 1 };
  if (reply.status !== 200) return { stdout: `${reply.status} ${command} ${reply.body}\n`, exitCode: 1 };
  const out = render(parsed.json);
  return typeof out === 'string' ? { stdout: out, exitCode: 0 } : out;
}

/** A changing command: `200 <command> OK`, or `raw` (-j) the body as it came, no newline; else `<status> <command> <body>` (status 0 without a connection). */
export function changingOutcome(command: string, reply: ApiReply, isRaw: boolean): CliOutcome {
  if (reply.status !== 200) return { stdout: `${reply.status} ${command} ${reply.body}\n`, exitCode: 1 };
  return { stdout: isRaw ? reply.body : `200 ${command} OK\n`, exitCode: 0 };
}
