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

static size_t payload_of(const TcpSegment* s) { return s->len - s->hdr_len; }

void tcp_segment_parse(const uint8_t* f, size_t len, TcpSegment* s) {
  s->ok = false;
  s->frame = f;
  s->len = len;
  uint16_t et = 0;
  size_t l3 = l3_offset(f, len, &et);
  if (l3 == 0) return;
  uint64_t acc;
  size_t l4;
  if (et == 0x0800) {
    if (len < l3 + 20 || (f[l3] >> 4) != 4 || f[l3 + 9] != 6) return;
    l4 = l3 + (size_t)(f[l3] & 0x0f) * 4;
    // Not a fragment (MF or an offset), a whole packet exactly as long as the frame, header checksum right.
    if (l4 < l3 + 20 || len < l4 + 20 || (be16(f + l3 + 6) & 0x3fff) != 0 || be16(f + l3 + 2) != len - l3) return;
    if (fold(sum_bytes(f + l3, l4 - l3, 0)) != 0xffff) return;
    uint8_t pseudo[12];
    memcpy(pseudo, f + l3 + 12, 8);
    pseudo[8] = 0;
    pseudo[9] = 6;
    put_be16(pseudo + 10, (uint16_t)(len - l4));
    acc = sum_bytes(pseudo, sizeof(pseudo), 0);
    s->v6 = false;
  } else if (et == 0x86dd) {
    if (len < l3 + 40 || (f[l3] >> 4) != 6 || f[l3 + 6] != 6) return;
    l4 = l3 + 40;
    if (len < l4 + 20 || be16(f + l3 + 4) != len - l4) return;
    uint8_t pseudo[40];
    memcpy(pseudo, f + l3 + 8, 32);
    put_be32(pseudo + 32, (uint32_t)(len - l4));
    memset(pseudo + 36, 0, 3);
    pseudo[39] = 6;
    acc = sum_bytes(pseudo, sizeof(pseudo), 0);
    s->v6 = true;
  } else {
    return;
  }
  size_t doff = (size_t)(f[l4 + 12] >> 4) * 4;
  if (doff < 20 || len < l4 + doff) return;
  // Only plain data segments: ACK, or ACK|PSH; nothing with SYN, FIN, RST, URG, ECE or CWR.
  uint8_t flags = f[l4 + 13];
  if ((flags & ~0x08) != 0x10 || len == l4 + doff) return;
  // A segment whose checksum is wrong is left alone, for the receiving kernel to drop: a
  // super-frame's checksum is taken as verified.
  if (fold(sum_bytes(f + l4, len - l4, acc)) != 0xffff) return;
  s->l3 = l3;
  s->l4 = l4;
  s->hdr_len = l4 + doff;
  s->ok = true;
}

bool tcp_segment_follows(const TcpSegment* a, const TcpSegment* b, size_t mss) {
  if (!a->ok || !b->ok || a->v6 != b->v6 || a->hdr_len != b->hdr_len || a->l4 != b->l4 || payload_of(a) != mss ||
      payload_of(b) > mss || (a->frame[a->l4 + 13] & 0x08))
    return false;
  const uint8_t *x = a->frame, *y = b->frame;
  size_t l3 = a->l3, l4 = a->l4;
  // Ethernet header (and tag) alike.
  if (memcmp(x, y, l3) != 0) return false;
  if (a->v6) {
    // Version, class, flow label; next header and hop limit; addresses.
    if (memcmp(x + l3, y + l3, 4) != 0 || memcmp(x + l3 + 6, y + l3 + 6, 34) != 0) return false;
  } else {
    // Header length and TOS; flags/fragment, TTL, protocol; addresses and options.
    if (memcmp(x + l3, y + l3, 2) != 0 || memcmp(x + l3 + 6, y + l3 + 6, 4) != 0 || memcmp(x + l3 + 12, y + l3 + 12, l4 - l3 - 12) != 0)
      return false;
    if ((uint16_t)(be16(x + l3 + 4) + 1) != be16(y + l3 + 4)) return false;
  }
  // Ports; acknowledgement, offset, window; options (timestamps) alike; b's sequence right after a.
  if (memcmp(x + l4, y + l4, 4) != 0 || memcmp(x + l4 + 8, y + l4 + 8, 5) != 0 || memcmp(x + l4 + 14, y + l4 + 14, 2) != 0 ||
      memcmp(x + l4 + 18, y + l4 + 18, a->hdr_len - l4 - 18) != 0)
    return false;
  return be32(x + l4 + 4) + (uint32_t)mss == be32(y + l4 + 4);
}

uint32_t tcp_run(const uint8_t* base, size_t stride, const uint32_t* lengths, uint32_t count, TcpSegment* run) {
  tcp_segment_parse(base, lengths[0], &run[0]);
  if (!run[0].ok) return 1;
  size_t mss = payload_of(&run[0]);
  size_t ip_bytes = run[0].len - run[0].l3;
  uint32_t k = 1;
  while (k < count && k < TCP_RUN_MAX_SEGMENTS) {
    TcpSegment* s = &run[k];
    tcp_segment_parse(base + (size_t)k * stride, lengths[k], s);
    size_t more = payload_of(s);
    if (!tcp_segment_follows(&run[k - 1], s, mss) || ip_bytes + more > 65535) break;
    ip_bytes += more;
    k++;
    if (more < mss || (s->frame[s->l4 + 13] & 0x08)) break;
  }
  return k;
}

size_t tcp_coalesce(const TcpSegment* segs, size_t n, uint8_t* out) {
  const TcpSegment* first = &segs[0];
  size_t hdr_len = first->hdr_len, l3 = first->l3, l4 = first->l4;
  uint8_t* f = out + VNET_HDR_BYTES;
  memcpy(f, first->frame, hdr_len);
  size_t len = hdr_len;
  for (size_t i = 0; i < n; i++) {
    size_t p = payload_of(&segs[i]);
    memcpy(f + len, segs[i].frame + segs[i].hdr_len, p);
    len += p;
  }
  f[l4 + 13] |= segs[n - 1].frame[l4 + 13] & 0x08;  // PSH, if the last segment had it
  size_t tcp_len = len - l4;
  uint64_t pseudo;
  if (first->v6) {
    put_be16(f + l3 + 4, (uint16_t)(len - l3 - 40));
    uint8_t ph[40];
    memcpy(ph, f + l3 + 8, 32);
    put_be32(ph + 32, (uint32_t)tcp_len);
    memset(ph + 36, 0, 3);
    ph[39] = 6;
    pseudo = sum_bytes(ph, sizeof(ph), 0);
  } else {
    put_be16(f + l3 + 2, (uint16_t)(len - l3));
    f[l3 + 10] = f[l3 + 11] = 0;
    store_checksum(f + l3 + 10, sum_bytes(f + l3, l4 - l3, 0), 0);
    uint8_t ph[12];
    memcpy(ph, f + l3 + 12, 8);
    ph[8] = 0;
    ph[9] = 6;
    put_be16(ph + 10, (uint16_t)tcp_len);
    pseudo = sum_bytes(ph, sizeof(ph), 0);
  }
  // CHECKSUM_PARTIAL: the field holds the folded pseudo-header sum, not complemented.
  uint16_t partial = fold(pseudo);
  memcpy(f + l4 + 16, &partial, 2);
  uint16_t gso_size = (uint16_t)payload_of(first), csum_start = (uint16_t)l4, csum_offset = 16,
           hdr = (uint16_t)hdr_len;
  out[0] = VNET_F_NEEDS_CSUM;
  out[1] = first->v6 ? VNET_GSO_TCPV6 : VNET_GSO_TCPV4;
  memcpy(out + 2, &hdr, 2);
  memcpy(out + 4, &gso_size, 2);
  memcpy(out + 6, &csum_start, 2);
  memcpy(out + 8, &csum_offset, 2);
  return VNET_HDR_BYTES + len;
}

int vnet_complete_checksum(uint8_t* f, size_t len, const VnetHdr* h) {
  size_t start = h->csum_start, at = start + h->csum_offset;
  if (start >= len || at + 2 > len) return -1;
  // The field already holds the pseudo-header sum; the kernel's skb_checksum_help turns a
  // result of 0 into 0xffff (CSUM_MANGLED_0), for UDP's sake, and so do we.
  store_checksum(f + at, sum_bytes(f + start, len - start, 0), 0xffff);
  return 0;
}
