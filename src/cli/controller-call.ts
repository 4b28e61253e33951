// One request to the node's controller API (05 §8) for `ztkube network|member`: the parsed
// JSON of a 200, else an ApiError with one sentence (exit 1) saying what went wrong.
import { ApiError } from '../util/errors.js';
import { compactJson } from '../util/json-text.js';
import type { ApiContext } from './api-command.js';
import { parseReplyJson } from './api-reply.js';

export async function controllerJson(ctx: ApiContext, method: 'GET' | 'POST' | 'DELETE', path: string, notFound: string, body?: unknown): Promise<unknown> {
  const reply = await ctx.call(method, path, body === undefined ? undefined : compactJson(body));
  if (reply.status === 0) throw new ApiError(0, `cannot reach the ZeroTier service: ${reply.body}`);
  if (reply.status === 401) throw new ApiError(401, 'the local API refused the token (401); check -T or the home given with -D');
  if (reply.status === 404) throw new ApiError(404, notFound);
  if (reply.status !== 200) throw new ApiError(reply.status, `${method} ${path} failed with ${reply.status}${reply.body ? `: ${reply.body.trim()}` : ''}`);
  const parsed = parseReplyJson(reply.body);
  if ('error' in parsed) throw new ApiError(reply.status, `${method} ${path} answered with invalid JSON (${parsed.error})`);
  return parsed.json;
}
