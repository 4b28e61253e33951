// Splits a resource URL into what the handlers need:
// /api/v1[/namespaces/{ns}]/{plural}[/{name}[/{subresource}]] and the /apis/{group}/{version} form.

export interface ResourceRequest {
  group: string;
  version: string;
  namespace: string | undefined;
  plural: string;
  name: string | undefined;
  subresource: string | undefined;
}

export function parseResourcePath(pathname: string): ResourceRequest | undefined {
  const segs = pathname.split('/').filter((s) => s !== '').map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (segs[0] === 'api' && segs.length >= 3) [group, version, rest] = ['', segs[1], segs.slice(2)];
  else if (segs[0] === 'apis' && segs.length >= 4) [group, version, rest] = [segs[1], segs[2], segs.slice(3)];
  else return undefined;
  // /namespaces/{name}/status and /finalize are the namespace's own subresources, not a resource in it.
  const isNamespaceSub = rest.length === 3 && rest[0] === 'namespaces' && (rest[2] === 'status' || rest[2] === 'finalize') && group === '';
  if (rest[0] === 'namespaces' && rest.length >= 3 && !isNamespaceSub) {
    if (rest.length > 5) return undefined;
    return { group, version, namespace: rest[1], plural: rest[2], name: rest[3], subresource: rest[4] };
  }
  if (rest.length > 3) return undefined;
  return { group, version, namespace: undefined, plural: rest[0], name: rest[1], subresource: rest[2] };
}
