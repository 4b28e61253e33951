// The Multus NetworkAttachmentDefinition CRD (k8s.cni.cncf.io/v1, 07 §2) as Multus's own
// deployment ships it, reduced to its one field: what the operator looks for before it makes NADs.
export const NAD_CRD = ['apiVersion: apiextensions.k8s.io/v1', 'kind: CustomResourceDefinition', 'metadata: {name: network-attachment-definitions.k8s.cni.cncf.io}', 'spec:',
  '  group: k8s.cni.cncf.io', '  scope: Namespaced',
  '  names: {plural: network-attachment-definitions, singular: network-attachment-definition, kind: NetworkAttachmentDefinition, shortNames: [net-attach-def]}',
  '  versions:', '  - name: v1', '    served: true', '    storage: true', '    schema:', '      openAPIV3Schema:', '        type: object', '        properties:',
  '          spec:', '            type: object', '            properties:', '              config: {type: string}', ''].join('\n');
