// TCP segmentation and checksum completion for a TAP opened with IFF_VNET_HDR and TSO
// (issue #8). With TUN_F_TSO4/6 the kernel hands the TAP whole TCP super-frames of up to
// 64 KiB instead of cutting them to the MTU itself, which saves it the per-packet work on
// the way down; the wire format is still one Ethernet frame of at most the network's MTU
// per ZeroTier FRAME, so we cut them here, as the kernel's own GSO would have: same
// headers, sequence numbers, IPv4 ids, flags and checksums (tcp_gso_segment,
// inet_gso_segment, ipv6_gso_segment).
//
// Checksums are summed in memory order (16-bit words as they lie in memory) and stored the
// same way, which RFC 1071 §2(B) shows is byte-order independent; every region summed
// starts at an even offset of the checksummed stream.
#include "tap_offload.h"

#include <string.h>

void vnet_hdr_read(const uint8_t* p, VnetHdr* h) {
  h->flags = p[0];
  h->gso_type = p[1];
  memcpy(&h->hdr_len, p + 2, 2);
  memcpy(&h->gso_size, p + 4, 2);
  memcpy(&h->csum_start, p + 6, 2);
  memcpy(&h->csum_offset, p + 8, 2);
}

static uint64_t sum_bytes(const uint8_t* p, size_t n, uint64_t acc) {
  while (n >= 8) {
    uint32_t a, b;
    memcpy(&a, p, 4);
    memcpy(&b, p + 4, 4);
    acc += (uint64_t)a + b;
    p += 8;
    n -= 8;
  }
  if (n >= 4) {
    uint32_t a;
    memcpy(&a, p, 4);
    acc += a;
    p += 4;
    n -= 4;
  }
  if (n >= 2) {
    uint16_t a;
    memcpy(&a, p, 2);
    acc += a;
    p += 2;
    n -= 2;
  }
  if (n) {
    uint8_t last[2] = {p[0], 0};  // an odd tail is padded with a zero byte
    uint16_t a;
    memcpy(&a, last, 2);
    acc += a;
  }
  return acc;
}

static uint16_t fold(uint64_t acc) {
  while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
  return (uint16_t)acc;
}

// Stores the complement of the folded sum; `zero_as` replaces a result of 0 (UDP sends
// 0xffff, since 0 there means "no checksum").
static void store_checksum(uint8_t* at, uint64_t acc, uint16_t zero_as) {
  uint16_t c = (uint16_t)~fold(acc);
  if (c == 0) c = zero_as;
  memcpy(at, &c, 2);
}

static uint16_t be16(const uint8_t* p) { return (uint16_t)(p[0] << 8 | p[1]); }
static void put_be16(uint8_t* p, uint16_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}
static uint32_t be32(const uint8_t* p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static void put_be32(uint8_t* p, uint32_t v) {
  put_be16(p, (uint16_t)(v >> 16));
  put_be16(p + 2, (uint16_t)v);
}

// Where the IP header starts (after one 802.1Q tag if there is one) and its ethertype.
static size_t l3_offset(const uint8_t* f, size_t len, uint16_t* ethertype) {
  if (len < 14) return 0;
  uint16_t et = be16(f + 12);
  if (et == 0x8100) {
    if (len < 18) return 0;
    *ethertype = be16(f + 16);
    return 18;
  }
  *ethertype = et;
  return 14;
}

int tso_plan(const uint8_t* f, size_t len, const VnetHdr* h, TsoPlan* out) {
  uint8_t type = h->gso_type & (uint8_t)~VNET_GSO_ECN;
  if (type != VNET_GSO_TCPV4 && type != VNET_GSO_TCPV6) return -1;
  uint16_t et = 0;
  size_t l3 = l3_offset(f, len, &et);
  if (l3 == 0) return -1;
  bool v6 = type == VNET_GSO_TCPV6;
  if (et != (v6 ? 0x86dd : 0x0800)) return -1;
  size_t l4;
  if (v6) {
    if (len < l3 + 40 || (f[l3] >> 4) != 6) return -1;
    // Extension headers are possible: the kernel's csum_start says where TCP begins.
    l4 = h->csum_start;
    if (l4 < l3 + 40) return -1;
  } else {
    if (len < l3 + 20 || (f[l3] >> 4) != 4 || f[l3 + 9] != 6) return -1;
    l4 = l3 + (size_t)(f[l3] & 0x0f) * 4;
    if (l4 < l3 + 20) return -1;
  }
  if (len < l4 + 20) return -1;
  size_t doff = (size_t)(f[l4 + 12] >> 4) * 4;
  if (doff < 20 || len < l4 + doff || h->gso_size == 0) return -1;
  out->frame = f;
  out->len = len;
  out->l3 = l3;
  out->l4 = l4;
  out->hdr_len = l4 + doff;
  out->v6 = v6;
  out->mss = h->gso_size;
  out->ip_id = v6 ? 0 : be16(f + l3 + 4);
  out->seq = be32(f + l4 + 4);
  size_t payload = len - out->hdr_len;
  out->count = payload == 0 ? 1 : (uint32_t)((payload + out->mss - 1) / out->mss);
  return 0;
}

size_t tso_segment_bytes(const TsoPlan* p, uint32_t i) {
  size_t payload = p->len - p->hdr_len;
  size_t off = (size_t)i * p->mss;
  size_t take = payload - off < p->mss ? payload - off : p->mss;
  return p->hdr_len + take;
}

size_t tso_segment(const TsoPlan* p, uint32_t i, uint8_t* out) {
  size_t off = (size_t)i * p->mss;
  size_t seg = tso_segment_bytes(p, i);
  size_t take = seg - p->hdr_len;
  memcpy(out, p->frame, p->hdr_len);
  memcpy(out + p->hdr_len, p->frame + p->hdr_len + off, take);
  uint8_t* ip = out + p->l3;
  uint8_t* tcp = out + p->l4;
  size_t tcp_len = seg - p->l4;
  uint64_t acc;
  if (p->v6) {
    put_be16(ip + 4, (uint16_t)(seg - p->l3 - 40));
    uint8_t pseudo[40];
    memcpy(pseudo, ip + 8, 32);  // source and destination
    put_be32(pseudo + 32, (uint32_t)tcp_len);
    memset(pseudo + 36, 0, 3);
    pseudo[39] = 6;
    acc = sum_bytes(pseudo, sizeof(pseudo), 0);
  } else {
    size_t ihl = p->l4 - p->l3;
    put_be16(ip + 2, (uint16_t)(seg - p->l3));
    put_be16(ip + 4, (uint16_t)(p->ip_id + i));
    ip[10] = ip[11] = 0;
    store_checksum(ip + 10, sum_bytes(ip, ihl, 0), 0);
    uint8_t pseudo[12];
    memcpy(pseudo, ip + 12, 8);  // source and destination
    pseudo[8] = 0;
    pseudo[9] = 6;
    put_be16(pseudo + 10, (uint16_t)tcp_len);
    acc = sum_bytes(pseudo, sizeof(pseudo), 0);
  }
  put_be32(tcp + 4, p->seq + (uint32_t)off);
  uint8_t flags = tcp[13];
  if (i + 1 < p->count) flags &= (uint8_t)~(0x01 | 0x08);  // FIN, PSH: the last segment's
  if (i > 0) flags &= (uint8_t)~0x80;                      // CWR: the first segment's
  tcp[13] = flags;
  tcp[16] = tcp[17] = 0;
  store_checksum(tcp + 16, sum_bytes(tcp, tcp_len, acc), 0);
  return seg;
}

int vnet_complete_checksum(uint8_t* f, size_t len, const VnetHdr* h) {
  size_t start = h->csum_start, at = start + h->csum_offset;
  if (start >= len || at + 2 > len) return -1;
  // The field already holds the pseudo-header sum; the kernel's skb_checksum_help turns a
  // result of 0 into 0xffff (CSUM_MANGLED_0), for UDP's sake, and so do we.
  store_checksum(f + at, sum_bytes(f + start, len - start, 0), 0xffff);
  return 0;
}
