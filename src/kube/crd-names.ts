// Names of ztkube's custom resources (07 §4.1), shared by the operator, the CLI and the tests
// so that the CRDs in charts/ztkube and the code that reads and writes them cannot drift apart.

export const ZTKUBE_GROUP = 'ztkube.io';
export const ZTKUBE_VERSION = 'v1alpha1';
export const ZTKUBE_API_VERSION = `${ZTKUBE_GROUP}/${ZTKUBE_VERSION}`;
export const ZTKUBE_CATEGORY = 'ztkube';

export interface CustomResourceNames {
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  isNamespaced: boolean;
}

export const ZTNETWORK: CustomResourceNames = { kind: 'ZTNetwork', listKind: 'ZTNetworkList', plural: 'ztnetworks', singular: 'ztnetwork', shortNames: ['ztn', 'ztnet'], isNamespaced: false };
export const ZTNODE: CustomResourceNames = { kind: 'ZTNode', listKind: 'ZTNodeList', plural: 'ztnodes', singular: 'ztnode', shortNames: [], isNamespaced: false };
export const ZTMEMBER: CustomResourceNames = { kind: 'ZTMember', listKind: 'ZTMemberList', plural: 'ztmembers', singular: 'ztmember', shortNames: [], isNamespaced: false };

export const ZTKUBE_RESOURCES = [ZTNETWORK, ZTNODE, ZTMEMBER] as const;

/** The CRD's metadata.name: `<plural>.<group>`. */
export function crdName(r: CustomResourceNames): string {
  return `${r.plural}.${ZTKUBE_GROUP}`;
}

/** A ZTMember's name: `<16-hex network id>-<10-hex member address>`. */
export function memberName(networkId: string, address: string): string {
  return `${networkId}-${address}`;
}

/** The condition types a ZTNetwork reports (07 §4.3). */
export const ZTNETWORK_CONDITIONS = ['Ready', 'ControllerReady', 'NodesJoined'] as const;
