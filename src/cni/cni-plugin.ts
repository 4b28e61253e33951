// The agent's CNI verbs (07 §1.4), in the style of the bridge plugin's cmdAdd/cmdDel: one
// handler per verb over the ports, each answering {exitCode, stdout} as the shim prints it.
// Chained (the default): the pod's `ztkube.io/networks` annotation says what to attach, pods
// without it pass through with their prevResult untouched. Multus delegate (the config names a
// `network`, 07 §2): that network on CNI_IFNAME, whatever the pod's annotations say.
import { CNI_CODE, CniError } from './cni-error.js';
import { podFromArgs } from './cni-args.js';
import { SUPPORTED_CNI_VERSIONS, decodeCniRequest, type CniRequest } from './cni-request.js';
import { appendToResult, type Additions } from './cni-result.js';
import { delegateNetwork } from './delegate-network.js';
import { NETWORKS_ANNOTATION, parseNetworksAnnotation, type PodNetworkRequest } from './pod-networks.js';
import type { AttachmentKey, AttachmentPort, PodNetworksPort, ValidAttachment } from './ports.js';
import { runtimeAnnotations } from './runtime-annotations.js';

export interface CniReply {
  exitCode: number;
  stdout: string;
}

export interface CniPluginOptions {
  podNetworks: PodNetworksPort;
  attachments: AttachmentPort;
  /** Called with errors that are not CniErrors (bugs or host failures), before they are answered. */
  onUnexpected?(e: unknown): void;
}

export class CniPlugin {
  private readonly o: CniPluginOptions;

  constructor(o: CniPluginOptions) {
    this.o = o;
  }

  /** Answers one forwarded request; never throws. */
  async handle(text: string): Promise<CniReply> {
    let version = '1.1.0';
    try {
      const req = decodeCniRequest(text);
      version = req.cniVersion;
      const result = await this.run(req);
      return { exitCode: 0, stdout: result === null ? '' : `${JSON.stringify(result)}\n` };
    } catch (e) {
      if (!(e instanceof CniError)) this.o.onUnexpected?.(e);
      const code = e instanceof CniError ? e.cniCode : CNI_CODE.attachFailed;
      const msg = e instanceof Error ? e.message : String(e);
      return { exitCode: 1, stdout: `${JSON.stringify({ cniVersion: version, code, msg })}\n` };
    }
  }

  private async run(req: CniRequest): Promise<unknown> {
    switch (req.command) {
      case 'VERSION':
        return { cniVersion: req.cniVersion, supportedVersions: SUPPORTED_CNI_VERSIONS };
      case 'STATUS':
        if (!this.o.attachments.isReady()) throw new CniError(CNI_CODE.notAvailable, 'the ztkube agent is not ready to attach pods yet');
        return null;
      case 'ADD':
        return this.add(req);
      case 'DEL':
        await this.o.attachments.detach(keyOf(req), req.netns);
        return null;
      case 'CHECK':
        await this.o.attachments.check(keyOf(req), req.netns);
        return null;
      case 'GC':
        await this.o.attachments.gc(validAttachments(req.config));
        return null;
    }
  }

  private async add(req: CniRequest): Promise<unknown> {
    const key = keyOf(req);
    const pod = podFromArgs(req.args);
    const wanted = key.isDelegate ? [{ network: delegateNetwork(req.config)!, ifname: req.ifname }] : await this.annotated(req);
    if (wanted.length === 0) return req.config.prevResult ?? { cniVersion: req.cniVersion };
    if (!this.o.attachments.isReady()) throw new CniError(CNI_CODE.tryAgainLater, 'the ztkube agent is not ready to attach pods yet');
    const added: Additions = { interfaces: [], ips: [], routes: [] };
    try {
      for (const w of wanted) {
        const a = await this.o.attachments.attach({ containerId: req.containerId, primaryIfname: req.ifname, isDelegate: key.isDelegate, netns: req.netns, network: w.network, ifname: w.ifname, pod, config: req.config });
        const base = added.interfaces.length;
        added.interfaces.push(...a.interfaces);
        added.ips.push(...a.ips.map((ip) => ({ ...ip, interface: base + ip.interface })));
        added.routes.push(...a.routes);
      }
    } catch (e) {
      // 07 §1.4: a failed ADD leaves nothing behind (the runtime's DEL would do it too, later).
      await this.o.attachments.detach(key, req.netns).catch(() => undefined);
      throw e;
    }
    // A delegate is Multus's interface plugin: its result is its own interface (no prevResult
    // comes), which Multus turns into the pod's network-status entry.
    return appendToResult(req.config.prevResult, req.cniVersion, added);
  }

  /** Chained: the networks in the pod's annotation, from the runtime when it passed them, else the API. */
  private async annotated(req: CniRequest): Promise<PodNetworkRequest[]> {
    const fromRuntime = runtimeAnnotations(req.config);
    const annotation = fromRuntime !== null ? (fromRuntime[NETWORKS_ANNOTATION] ?? null) : await this.o.podNetworks.annotation(podFromArgs(req.args), req.config);
    return annotation === null ? [] : parseNetworksAnnotation(annotation);
  }
}

/**
 * The attachments an ADD, DEL or CHECK is about (ports.ts: AttachmentKey). Any "network" key
 * makes a delegate: ADD judges its value, a DEL must succeed whatever it is (07 §1.8).
 */
function keyOf(req: CniRequest): AttachmentKey {
  return { containerId: req.containerId, ifname: req.ifname, isDelegate: req.config.network !== undefined };
}

/** GC's `cni.dev/valid-attachments` (07 §1.4); absent means none is valid. */
function validAttachments(config: Record<string, unknown>): ValidAttachment[] {
  const list = config['cni.dev/valid-attachments'];
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new CniError(CNI_CODE.invalidConfig, 'config: cni.dev/valid-attachments must be a list');
  return list.map((a: unknown, i) => {
    const r = a as { containerID?: unknown; ifname?: unknown };
    if (typeof r?.containerID !== 'string' || typeof r.ifname !== 'string') {
      throw new CniError(CNI_CODE.invalidConfig, `config: cni.dev/valid-attachments[${i}] must be {"containerID": string, "ifname": string}`);
    }
    return { containerId: r.containerID, ifname: r.ifname };
  });
}
