// Listening on a Unix socket file that other programs find by path (the CNI shim, dockerd):
// its directory is made, a stale socket left by a killed process is replaced, and a live one
// (another server answering) or any other kind of file is never touched.
import { connect, type Server } from 'node:net';
import { lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { StateError, fileError } from '../util/errors.js';

export interface SocketFileRoles {
  /** Who listens there, for errors: "the CNI plugin", "dockerd". */
  peer: string;
  /** Who else might: "another CNI agent". */
  rival: string;
  /** The flag that chooses the path: "--cni-socket". */
  flag: string;
}

/** Makes the directory, clears a stale socket and listens; errors name the path and what to do. */
export async function listenOnSocketFile(server: Server, path: string, roles: SocketFileRoles): Promise<void> {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  } catch (e) {
    throw fileError(e, dirname(path), `creating the directory of the socket for ${roles.peer}`);
  }
  await clearStaleSocket(path, roles);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) => reject(fileError(e, path, `listening for ${roles.peer}`)));
    server.listen(path, () => resolve());
  });
}

/** After close: node removes its own socket file, so a missing file is fine. */
export function removeSocketFile(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

async function clearStaleSocket(path: string, roles: SocketFileRoles): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch {
    return; // nothing there
  }
  if (!isSocket) throw new StateError(`${path}: exists and is not a socket; move it away or choose another ${roles.flag}`);
  const isLive = await new Promise<boolean>((resolve) => {
    const c = connect(path);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
  if (isLive) throw new StateError(`${path}: ${roles.rival} is listening there; stop it or choose another ${roles.flag}`);
  try {
    unlinkSync(path);
  } catch (e) {
    throw fileError(e, path, 'removing a stale socket');
  }
}
