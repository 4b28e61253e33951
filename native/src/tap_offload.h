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

// ---- the other way: coalescing received TCP segments into one super-frame (GRO) ----

// One frame as tcp_coalesce sees it.
struct TcpSegment {
  const uint8_t* frame;
  size_t len;
  size_t l3, l4, hdr_len;
  bool v6;
  bool ok;  // TCP over IPv4/IPv6 without extension headers, checksums right, flags ACK or ACK|PSH
};

void tcp_segment_parse(const uint8_t* frame, size_t len, TcpSegment* out);

// True if `b` continues `a` in one super-frame whose segments carry `mss` payload bytes
// (the last may carry less): same headers but for lengths, IPv4 id + 1, checksums and PSH;
// sequence number right after a's payload; a carries exactly mss and no PSH.
bool tcp_segment_follows(const TcpSegment* a, const TcpSegment* b, size_t mss);

// Longest run tcp_run returns (a 64 KiB packet at an MSS of 1 KiB).
#define TCP_RUN_MAX_SEGMENTS 64

// How many frames from the first on (frame i at base + i * stride, lengths[i] bytes, i <
// count) make one run that tcp_coalesce can join, parsed into run[0 …) (room for
// TCP_RUN_MAX_SEGMENTS). 1 when the first joins nothing. A run ends after a segment shorter
// than the first or one with PSH, and before 64 KiB of IP packet.
uint32_t tcp_run(const uint8_t* base, size_t stride, const uint32_t* lengths, uint32_t count, TcpSegment* run);

// Writes the super-frame of segs[0 … n) (n ≥ 2, each following the one before) to `out`
// behind a vnet header with NEEDS_CSUM and gso_type TCPV4/TCPV6, gso_size = the first
// segment's payload: headers of the first with the total length, PSH if the last had it,
// a fresh IPv4 header checksum and the pseudo-header sum in the TCP checksum field, which is
// what the kernel's own GRO hands to its TCP. Returns the bytes written (vnet header
// included); `out` must hold VNET_HDR_BYTES + the first's hdr_len + every payload.
size_t tcp_coalesce(const TcpSegment* segs, size_t n, uint8_t* out);

#endif
