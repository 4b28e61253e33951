// What a TAP opened with IFF_VNET_HDR hands us, made into plain frames (see tap_offload.cc).
// Pure functions on buffers: no N-API, no system calls, so the tests can drive them directly.
#ifndef ZTKUBE_TAP_OFFLOAD_H
#define ZTKUBE_TAP_OFFLOAD_H

#include <stddef.h>
#include <stdint.h>

// struct virtio_net_hdr as the TAP writes it in front of every frame: flags, gso_type,
// hdr_len, gso_size, csum_start, csum_offset, the 16-bit fields in the host's byte order.
#define VNET_HDR_BYTES 10
#define VNET_F_NEEDS_CSUM 1
#define VNET_GSO_NONE 0
#define VNET_GSO_TCPV4 1
#define VNET_GSO_TCPV6 4
#define VNET_GSO_ECN 0x80

// The largest frame with a vnet header the kernel writes: a 64 KiB IP packet plus Ethernet
// and VLAN headers.
#define VNET_MAX_FRAME_BYTES (65535 + 14 + 4)

struct VnetHdr {
  uint8_t flags;
  uint8_t gso_type;
  uint16_t hdr_len;
  uint16_t gso_size;
  uint16_t csum_start;
  uint16_t csum_offset;
};

void vnet_hdr_read(const uint8_t* p, VnetHdr* h);

// One TCP super-frame (gso_type TCPV4/TCPV6) cut into `count` segments of at most `mss`
// payload bytes each. The plan points into the caller's buffer, which must stay put until
// the last segment is written.
struct TsoPlan {
  const uint8_t* frame;
  size_t len;
  size_t l3;        // IP header
  size_t l4;        // TCP header
  size_t hdr_len;   // Ethernet + IP (+ extension headers) + TCP with options
  bool v6;
  uint16_t mss;
  uint16_t ip_id;
  uint32_t seq;
  uint32_t count;
};

// Checks the super-frame's headers against the vnet header. 0, or -1 for a frame we cannot
// segment (unknown gso type, not TCP over IPv4/IPv6, offsets outside the frame).
int tso_plan(const uint8_t* frame, size_t len, const VnetHdr* h, TsoPlan* out);

// Bytes segment i takes: headers plus its share of the payload.
size_t tso_segment_bytes(const TsoPlan* p, uint32_t i);

// Writes segment i (i < count) to `out` as the kernel's own software segmentation would
// send it: IPv4 total length, id + i and header checksum, or the IPv6 payload length; TCP
// sequence number + offset, FIN and PSH on the last segment only, CWR on the first only, and
// a full TCP checksum. `out` must hold tso_segment_bytes(p, i). Returns that length.
size_t tso_segment(const TsoPlan* p, uint32_t i, uint8_t* out);

// A frame marked NEEDS_CSUM carries a partial checksum (the pseudo-header sum) at
// csum_start + csum_offset; this completes it over the bytes from csum_start on, as the
// kernel does before handing the frame to a device without checksum offload. -1 if the
// offsets lie outside the frame.
int vnet_complete_checksum(uint8_t* frame, size_t len, const VnetHdr* h);

#endif
