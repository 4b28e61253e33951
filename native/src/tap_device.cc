// TAP creation and interface ioctls (spec 06 §8.2). Plain system calls; errors come back as
// errno values for the binding layer to turn into exceptions.
#include "tap_device.h"
#include "tap_offload.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if_arp.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static int fill_ifreq(struct ifreq* ifr, const char* name) {
  memset(ifr, 0, sizeof(*ifr));
  size_t len = strlen(name);
  if (len == 0 || len >= IFNAMSIZ) return EINVAL;
  memcpy(ifr->ifr_name, name, len);
  return 0;
}

int tap_open(const char* name, bool offload, int* fd_out, char actual[IFNAMSIZ], const char** step) {
  struct ifreq ifr;
  *step = "TUNSETIFF";
  int err = fill_ifreq(&ifr, name);
  if (err) return err;
  *step = "open /dev/net/tun";
  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    err = errno;
    // Old systems had the node at /dev/tun; the first errno is the one worth reporting.
    fd = open("/dev/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return err;
  }
  *step = "TUNSETIFF";
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI | (offload ? IFF_VNET_HDR : 0);
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
    err = errno;
    close(fd);
    return err;
  }
  if (offload) {
    // A virtio_net_hdr before every frame both ways, and the kernel may hand us TCP
    // super-frames and frames with the checksum left to us (tap_offload.cc does both).
    int hdr_bytes = VNET_HDR_BYTES;
    *step = "TUNSETVNETHDRSZ";
    if (ioctl(fd, TUNSETVNETHDRSZ, &hdr_bytes) < 0) {
      err = errno;
      close(fd);
      return err;
    }
    *step = "TUNSETOFFLOAD";
    if (ioctl(fd, TUNSETOFFLOAD, (unsigned long)(TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN)) < 0) {
      err = errno;
      close(fd);
      return err;
    }
  }
  // Not persistent: if the process dies the kernel removes the device with the last fd.
  *step = "TUNSETPERSIST";
  if (ioctl(fd, TUNSETPERSIST, 0) < 0) {
    err = errno;
    close(fd);
    return err;
  }
  memcpy(actual, ifr.ifr_name, IFNAMSIZ);
  actual[IFNAMSIZ - 1] = 0;
  *fd_out = fd;
  return 0;
}

// One ioctl on a short-lived control socket.
static int if_ioctl(unsigned long request, struct ifreq* ifr) {
  int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0) return errno;
  int err = ioctl(sock, request, ifr) < 0 ? errno : 0;
  close(sock);
  return err;
}

int tap_set_mtu(const char* name, int mtu) {
  struct ifreq ifr;
  int err = fill_ifreq(&ifr, name);
  if (err) return err;
  ifr.ifr_mtu = mtu;
  return if_ioctl(SIOCSIFMTU, &ifr);
}

int tap_set_mac(const char* name, const uint8_t mac[6]) {
  struct ifreq ifr;
  int err = fill_ifreq(&ifr, name);
  if (err) return err;
  ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
  memcpy(ifr.ifr_hwaddr.sa_data, mac, 6);
  return if_ioctl(SIOCSIFHWADDR, &ifr);
}

int tap_set_up(const char* name, int up) {
  struct ifreq ifr;
  int err = fill_ifreq(&ifr, name);
  if (err) return err;
  err = if_ioctl(SIOCGIFFLAGS, &ifr);
  if (err) return err;
  if (up) {
    ifr.ifr_flags |= IFF_UP | IFF_MULTICAST;
  } else {
    ifr.ifr_flags &= ~IFF_UP;
  }
  return if_ioctl(SIOCSIFFLAGS, &ifr);
}

int tap_get_info(const char* name, struct tap_info* out) {
  struct ifreq ifr;
  int err = fill_ifreq(&ifr, name);
  if (err) return err;
  if ((err = if_ioctl(SIOCGIFMTU, &ifr))) return err;
  out->mtu = ifr.ifr_mtu;
  if ((err = if_ioctl(SIOCGIFFLAGS, &ifr))) return err;
  out->flags = ifr.ifr_flags;
  if ((err = if_ioctl(SIOCGIFINDEX, &ifr))) return err;
  out->index = ifr.ifr_ifindex;
  if ((err = if_ioctl(SIOCGIFHWADDR, &ifr))) return err;
  memcpy(out->mac, ifr.ifr_hwaddr.sa_data, 6);
  return 0;
}
