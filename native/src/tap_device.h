// Linux TAP device primitives without any N-API: open the character device and the
// SIOCxIF ioctls (spec 06 §8.2). Every function returns 0 or a positive errno value, so the
// binding layer decides how to report it; nothing here allocates or keeps state.
#ifndef ZTKUBE_TAP_DEVICE_H
#define ZTKUBE_TAP_DEVICE_H

#include <net/if.h>
#include <stdint.h>

// Opens /dev/net/tun (falling back to /dev/tun) non-blocking and close-on-exec, attaches a
// single-queue TAP named `name` (IFF_TAP | IFF_NO_PI, not persistent, so the device goes
// away with the fd). The name the kernel gave is copied to `actual` (IFNAMSIZ bytes). On
// failure `*step` says what failed ("open /dev/net/tun", "TUNSETIFF", "TUNSETPERSIST").
// The device is created in the caller's network namespace. With `offload` the TAP also has
// IFF_VNET_HDR and TUN_F_CSUM | TSO4 | TSO6 | TSO_ECN: every frame read or written carries a
// virtio_net_hdr, and reads may be TCP super-frames (see tap_offload.h); the extra steps
// are "TUNSETVNETHDRSZ" and "TUNSETOFFLOAD".
int tap_open(const char* name, bool offload, int* fd_out, char actual[IFNAMSIZ], const char** step);

// Interface ioctls through a throwaway AF_INET datagram socket, which is what the kernel
// needs to address an interface by name. The socket, and so the name lookup, belong to the
// calling process's network namespace: a device moved to another namespace (or never in
// ours) is not found, and these return ENODEV.
int tap_set_mtu(const char* name, int mtu);
int tap_set_mac(const char* name, const uint8_t mac[6]);
// Up sets IFF_UP | IFF_MULTICAST as ZeroTier does; down clears IFF_UP only.
int tap_set_up(const char* name, int up);

struct tap_info {
  int mtu;
  int flags;
  int index;
  uint8_t mac[6];
};
int tap_get_info(const char* name, struct tap_info* out);

#endif
