// A raw Ethernet frame of ethertype 0x8137 (IPX) through a ZeroTier LAN: non-IP protocols
// cross as on any LAN. python3's AF_PACKET is the sender and receiver (no IPX stack needed):
//   python3 raw-eth.py recv <dev> <timeout s>   prints "ready", then "got <source MAC>"
//   python3 raw-eth.py send <dev> <destination MAC>
import type { ChildProcess } from 'node:child_process';

export const RAW_ETHERNET_PY = `import socket, sys
mode, dev = sys.argv[1], sys.argv[2]
if mode == 'recv':
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x8137))
    s.bind((dev, 0))
    s.settimeout(float(sys.argv[3]))
    print('ready', flush=True)
    while True:
        f = s.recv(65535)
        if f[12:14] == b'\\x81\\x37' and b'ztkube-ipx' in f:
            print('got', f[6:12].hex(':'), flush=True)
            break
else:
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((dev, 0))
    src = s.getsockname()[4]
    s.send(bytes.fromhex(sys.argv[3].replace(':', '')) + src + b'\\x81\\x37' + b'ztkube-ipx hello'.ljust(46, b'\\0'))
`;

/** Everything a child writes to stdout and stderr so far. */
export function collectOutput(child: ChildProcess): () => string {
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  return () => out;
}
