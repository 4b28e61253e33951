// CNI_ARGS (07 §1.9): `;`-separated K=V pairs, split on the first `=`, unknown keys kept and
// never refused (kubernetes issue 22932).
import { CNI_CODE, CniError } from './cni-error.js';

export function parseCniArgs(text: string): Map<string, string> {
  const args = new Map<string, string>();
  for (const pair of text.split(';')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CniError(CNI_CODE.invalidEnv, `CNI_ARGS: "${pair}" is not KEY=VALUE`);
    args.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return args;
}

/** The pod a runtime names through CNI_ARGS, when it names one. */
export interface PodRef {
  namespace: string;
  name: string;
  uid?: string;
}

export function podFromArgs(args: Map<string, string>): PodRef | null {
  const namespace = args.get('K8S_POD_NAMESPACE');
  const name = args.get('K8S_POD_NAME');
  if (!namespace || !name) return null;
  const uid = args.get('K8S_POD_UID');
  return uid ? { namespace, name, uid } : { namespace, name };
}
