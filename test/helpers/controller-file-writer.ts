// Child process for the controller file store's crash test: rewrites one network and one
// member record in a loop until killed. Every record carries its generation and a padding
// derived from it, so a reader can tell a whole record from a torn one.
// usage: node controller-file-writer.js <controller.d>
import { FileStore } from '../../src/controller/file-store.js';

export const CRASH_NWID = '16ef05e548c0ffee';
export const CRASH_MEMBER = 'aaaaaaaaaa';

/** The padding of generation `gen`: large, so a kill often lands inside a write. */
export function padding(gen: number): string {
  return `${gen};`.repeat(20000 + (gen % 7) * 3000);
}

async function main(dir: string): Promise<void> {
  const store = await FileStore.open(dir);
  for (let gen = 0; ; gen++) {
    await store.putNetwork({ id: CRASH_NWID, nwid: CRASH_NWID, objtype: 'network', name: `v${gen}`, gen, pad: padding(gen) });
    await store.putMember(CRASH_NWID, { id: CRASH_MEMBER, address: CRASH_MEMBER, nwid: CRASH_NWID, objtype: 'member', gen, pad: padding(gen) });
    process.stdout.write(`${gen}\n`);
  }
}

if (process.argv[1]?.endsWith('controller-file-writer.js') && process.argv[2]) {
  main(process.argv[2]).catch((e: unknown) => {
    process.stderr.write(`${String(e)}\n`);
    process.exit(1);
  });
}
