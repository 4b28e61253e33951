// Handles of bound local UDP sockets, shared by the core (which names them) and the UDP
// edge (which owns them), so that neither has to import the other.

/** Opaque handle of a bound local UDP socket. */
export type SocketId = number;

/** "Send from every bound socket" (06 §4.4). */
export const ALL_SOCKETS: SocketId = -1;
