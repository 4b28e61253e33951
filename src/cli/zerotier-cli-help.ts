// zerotier-cli 1.14.1's help text (06 §6.2), with the program name as invoked. Two lines end
// in a space, as there. Platform 1 is Linux; the architecture number is 1.14.1's for the CPU
// Node runs on.

const ARCH: Record<string, number> = { x64: 2, arm: 3, arm64: 4, ia32: 1 };

export function zerotierCliHelp(programName: string, arch: string = process.arch): string {
  return [
    `ZeroTier One version 1.14.1 build 0 (platform 1 arch ${ARCH[arch] ?? 0})`,
    'Copyright (c) 2020 ZeroTier, Inc.',
    'Licensed under the ZeroTier BSL 1.1 (see LICENSE.txt)',
    `Usage: ${programName} [-switches] <command/path> [<args>]`,
    '',
    'Available switches:',
    '  -h                      - Display this help',
    '  -v                      - Show version',
    '  -j                      - Display full raw JSON output',
    '  -D<path>                - ZeroTier home path for parameter auto-detect',
    '  -p<port>                - HTTP port (default: auto)',
    '  -T<token>               - Authentication token (default: auto)',
    '',
    'Available commands:',
    '  info                    - Display status info',
    '  listpeers               - List all peers',
    '  peers                   - List all peers (prettier)',
    '  listnetworks            - List all networks',
    '  join <network ID>          - Join a network',
    '  leave <network ID>         - Leave a network',
    '  set <network ID> <setting> - Set a network setting',
    '  get <network ID> <setting> - Get a network setting',
    '  listmoons               - List moons (federated root sets)',
    '  orbit <world ID> <seed> - Join a moon via any member root',
    '  deorbit <world ID>      - Leave a moon',
    '  dump                    - Debug settings dump for support',
    '',
    'Available settings:',
    '  Settings to use with [get/set] may include property names from ',
    '  the JSON output of "zerotier-cli -j listnetworks". Additionally, ',
    '  (ip, ip4, ip6, ip6plane, and ip6prefix can be used). For instance:',
    '  zerotier-cli get <network ID> ip6plane will return the 6PLANE address',
    '  assigned to this node.',
    '',
  ].join('\n');
}
