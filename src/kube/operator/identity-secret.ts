// The in-cluster controller's identity (issue #11): generated once and kept in a Secret, so
// every operator replica and every restart is the same controller (its network IDs start with
// its address). The secret text is never logged; only the address is.
import { ApiException, CoreV1Api, type KubeConfig, type V1Secret } from '@kubernetes/client-node';
import { Identity } from '../../protocol/identity.js';
import { ConfigError } from '../../util/errors.js';

/** The Secret's key holding identity.secret's text. */
export const IDENTITY_SECRET_KEY = 'identity.secret';

function identityOf(secret: V1Secret, where: string): Identity {
  const b64 = secret.data?.[IDENTITY_SECRET_KEY];
  if (typeof b64 !== 'string') throw new ConfigError(`${where}: has no data["${IDENTITY_SECRET_KEY}"]`);
  let id: Identity;
  try {
    id = Identity.fromString(Buffer.from(b64, 'base64').toString('utf8').trim());
  } catch (e) {
    throw new ConfigError(`${where}: data["${IDENTITY_SECRET_KEY}"] is not a ZeroTier identity with its secret`, { cause: e });
  }
  if (!id.hasPrivate) throw new ConfigError(`${where}: data["${IDENTITY_SECRET_KEY}"] holds only a public identity; the controller needs the secret part`);
  return id;
}

/**
 * The identity in Secret `namespace/name`; when the Secret is absent, `generate()` makes one
 * and it is stored. Two replicas racing to create it both end with the one that won (409).
 */
export async function loadOrCreateIdentitySecret(kc: KubeConfig, namespace: string, name: string, generate: () => Promise<Identity>): Promise<Identity> {
  const core = kc.makeApiClient(CoreV1Api);
  const where = `Secret ${namespace}/${name}`;
  const read = async (): Promise<Identity | null> => {
    try {
      return identityOf(await core.readNamespacedSecret({ namespace, name }), where);
    } catch (e) {
      if (e instanceof ApiException && e.code === 404) return null;
      throw e;
    }
  };
  const have = await read();
  if (have) return have;
  const id = await generate();
  const body: V1Secret = {
    apiVersion: 'v1', kind: 'Secret', type: 'Opaque',
    metadata: { name, namespace, labels: { 'app.kubernetes.io/name': 'ztkube', 'app.kubernetes.io/component': 'controller-identity' } },
    data: { [IDENTITY_SECRET_KEY]: Buffer.from(id.toString(true)).toString('base64') },
  };
  try {
    await core.createNamespacedSecret({ namespace, body });
    return id;
  } catch (e) {
    if (!(e instanceof ApiException && e.code === 409)) throw e;
    const winner = await read();
    if (!winner) throw new ConfigError(`${where}: was created by someone else and then vanished; start again`);
    return winner;
  }
}
