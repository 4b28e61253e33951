// See zt_crypto.h. Written from the spec (01 §8.1 Salsa20, §8.2 Poly1305, §9.2 AES-GMAC-SIV,
// 02 §5 armor); the TypeScript in src/crypto and src/protocol/armor.ts is the reference.
#include "zt_crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <string.h>

// ---------------------------------------------------------------------------------------
// Salsa20/12. State words: 0 c0 | 1..4 key[0..16] | 5 c1 | 6,7 nonce | 8,9 counter | 10 c2 |
// 11..14 key[16..32] | 15 c3.

static inline uint32_t le32(const uint8_t* p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline void put_le32(uint8_t* p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}
static inline uint32_t rotl(uint32_t v, int c) { return (v << c) | (v >> (32 - c)); }

#define QR(a, b, c, d)        \
  b ^= rotl(a + d, 7);        \
  c ^= rotl(b + a, 9);        \
  d ^= rotl(c + b, 13);       \
  a ^= rotl(d + c, 18);

static void salsa_block(const uint32_t in[16], uint8_t out[64]) {
  uint32_t x[16];
  memcpy(x, in, sizeof(x));
  for (int i = 0; i < 12; i += 2) {
    // columns
    QR(x[0], x[4], x[8], x[12]);
    QR(x[5], x[9], x[13], x[1]);
    QR(x[10], x[14], x[2], x[6]);
    QR(x[15], x[3], x[7], x[11]);
    // rows
    QR(x[0], x[1], x[2], x[3]);
    QR(x[5], x[6], x[7], x[4]);
    QR(x[10], x[11], x[8], x[9]);
    QR(x[15], x[12], x[13], x[14]);
  }
  for (int i = 0; i < 16; i++) put_le32(out + 4 * i, x[i] + in[i]);
}

void zt_salsa2012_xor(uint8_t* out, const uint8_t* in, size_t n, const uint8_t nonce[8], const uint8_t key[32],
                      uint64_t initial_block) {
  uint32_t s[16];
  s[0] = 0x61707865;
  s[5] = 0x3320646e;
  s[10] = 0x79622d32;
  s[15] = 0x6b206574;
  for (int i = 0; i < 4; i++) {
    s[1 + i] = le32(key + 4 * i);
    s[11 + i] = le32(key + 16 + 4 * i);
  }
  s[6] = le32(nonce);
  s[7] = le32(nonce + 4);
  uint64_t ctr = initial_block;
  uint8_t ks[64];
  while (n > 0) {
    s[8] = (uint32_t)ctr;
    s[9] = (uint32_t)(ctr >> 32);
    salsa_block(s, ks);
    ctr++;
    size_t m = n < 64 ? n : 64;
    if (m == 64) {
      for (int i = 0; i < 64; i += 8) {
        uint64_t a, b;
        memcpy(&a, in + i, 8);
        memcpy(&b, ks + i, 8);
        a ^= b;
        memcpy(out + i, &a, 8);
      }
    } else {
      for (size_t i = 0; i < m; i++) out[i] = in[i] ^ ks[i];
    }
    in += m;
    out += m;
    n -= m;
  }
  OPENSSL_cleanse(ks, sizeof(ks));
  OPENSSL_cleanse(s, sizeof(s));
}

// ---------------------------------------------------------------------------------------
// Poly1305 in radix 2^26 (five limbs, 64-bit products): h = (h + m) * r mod 2^130 - 5 per
// 16-byte block, tag = (h mod 2^130-5 + s) mod 2^128.

struct Poly {
  uint32_t r[5], s4[4], h[5];
};

static void poly_blocks(Poly* p, const uint8_t* m, size_t n, uint32_t hibit) {
  const uint32_t r0 = p->r[0], r1 = p->r[1], r2 = p->r[2], r3 = p->r[3], r4 = p->r[4];
  const uint32_t s1 = r1 * 5, s2 = r2 * 5, s3 = r3 * 5, s4 = r4 * 5;
  uint32_t h0 = p->h[0], h1 = p->h[1], h2 = p->h[2], h3 = p->h[3], h4 = p->h[4];
  while (n >= 16) {
    h0 += le32(m) & 0x3ffffff;
    h1 += (le32(m + 3) >> 2) & 0x3ffffff;
    h2 += (le32(m + 6) >> 4) & 0x3ffffff;
    h3 += (le32(m + 9) >> 6) & 0x3ffffff;
    h4 += (le32(m + 12) >> 8) | hibit;
    uint64_t d0 = (uint64_t)h0 * r0 + (uint64_t)h1 * s4 + (uint64_t)h2 * s3 + (uint64_t)h3 * s2 + (uint64_t)h4 * s1;
    uint64_t d1 = (uint64_t)h0 * r1 + (uint64_t)h1 * r0 + (uint64_t)h2 * s4 + (uint64_t)h3 * s3 + (uint64_t)h4 * s2;
    uint64_t d2 = (uint64_t)h0 * r2 + (uint64_t)h1 * r1 + (uint64_t)h2 * r0 + (uint64_t)h3 * s4 + (uint64_t)h4 * s3;
    uint64_t d3 = (uint64_t)h0 * r3 + (uint64_t)h1 * r2 + (uint64_t)h2 * r1 + (uint64_t)h3 * r0 + (uint64_t)h4 * s4;
    uint64_t d4 = (uint64_t)h0 * r4 + (uint64_t)h1 * r3 + (uint64_t)h2 * r2 + (uint64_t)h3 * r1 + (uint64_t)h4 * r0;
    uint32_t c;
    c = (uint32_t)(d0 >> 26); h0 = (uint32_t)d0 & 0x3ffffff;
    d1 += c; c = (uint32_t)(d1 >> 26); h1 = (uint32_t)d1 & 0x3ffffff;
    d2 += c; c = (uint32_t)(d2 >> 26); h2 = (uint32_t)d2 & 0x3ffffff;
    d3 += c; c = (uint32_t)(d3 >> 26); h3 = (uint32_t)d3 & 0x3ffffff;
    d4 += c; c = (uint32_t)(d4 >> 26); h4 = (uint32_t)d4 & 0x3ffffff;
    h0 += c * 5; c = h0 >> 26; h0 &= 0x3ffffff;
    h1 += c;
    m += 16;
    n -= 16;
  }
  p->h[0] = h0; p->h[1] = h1; p->h[2] = h2; p->h[3] = h3; p->h[4] = h4;
}

void zt_poly1305(uint8_t tag[16], const uint8_t* msg, size_t n, const uint8_t key[32]) {
  Poly p;
  // r with the clamp 0x0ffffffc0ffffffc0ffffffc0fffffff, split into 26-bit limbs
  p.r[0] = le32(key) & 0x3ffffff;
  p.r[1] = (le32(key + 3) >> 2) & 0x3ffff03;
  p.r[2] = (le32(key + 6) >> 4) & 0x3ffc0ff;
  p.r[3] = (le32(key + 9) >> 6) & 0x3f03fff;
  p.r[4] = (le32(key + 12) >> 8) & 0x00fffff;
  memset(p.h, 0, sizeof(p.h));
  size_t whole = n & ~(size_t)15;
  poly_blocks(&p, msg, whole, 1u << 24);
  if (n > whole) {
    uint8_t last[16] = {0};
    memcpy(last, msg + whole, n - whole);
    last[n - whole] = 1;  // the 2^(8·len) bit of a short block
    poly_blocks(&p, last, 16, 0);
  }
  uint32_t h0 = p.h[0], h1 = p.h[1], h2 = p.h[2], h3 = p.h[3], h4 = p.h[4], c;
  c = h1 >> 26; h1 &= 0x3ffffff;
  h2 += c; c = h2 >> 26; h2 &= 0x3ffffff;
  h3 += c; c = h3 >> 26; h3 &= 0x3ffffff;
  h4 += c; c = h4 >> 26; h4 &= 0x3ffffff;
  h0 += c * 5; c = h0 >> 26; h0 &= 0x3ffffff;
  h1 += c;
  // g = h + 5 - 2^130; keep g when it did not go negative (h ≥ p), constant time
  uint32_t g0 = h0 + 5; c = g0 >> 26; g0 &= 0x3ffffff;
  uint32_t g1 = h1 + c; c = g1 >> 26; g1 &= 0x3ffffff;
  uint32_t g2 = h2 + c; c = g2 >> 26; g2 &= 0x3ffffff;
  uint32_t g3 = h3 + c; c = g3 >> 26; g3 &= 0x3ffffff;
  uint32_t g4 = h4 + c - (1u << 26);
  uint32_t keep_g = (g4 >> 31) - 1;  // all ones iff g4 did not borrow
  h0 = (h0 & ~keep_g) | (g0 & keep_g);
  h1 = (h1 & ~keep_g) | (g1 & keep_g);
  h2 = (h2 & ~keep_g) | (g2 & keep_g);
  h3 = (h3 & ~keep_g) | (g3 & keep_g);
  h4 = (h4 & ~keep_g) | (g4 & keep_g);
  // to four 32-bit words (mod 2^128), then + s
  uint32_t w0 = h0 | (h1 << 26);
  uint32_t w1 = (h1 >> 6) | (h2 << 20);
  uint32_t w2 = (h2 >> 12) | (h3 << 14);
  uint32_t w3 = (h3 >> 18) | (h4 << 8);
  uint64_t f;
  f = (uint64_t)w0 + le32(key + 16); put_le32(tag, (uint32_t)f);
  f = (uint64_t)w1 + le32(key + 20) + (f >> 32); put_le32(tag + 4, (uint32_t)f);
  f = (uint64_t)w2 + le32(key + 24) + (f >> 32); put_le32(tag + 8, (uint32_t)f);
  f = (uint64_t)w3 + le32(key + 28) + (f >> 32); put_le32(tag + 12, (uint32_t)f);
  OPENSSL_cleanse(&p, sizeof(p));
}

// ---------------------------------------------------------------------------------------
// AES-GMAC-SIV on EVP contexts.

static EVP_CIPHER_CTX* new_ctx(const EVP_CIPHER* cipher, const uint8_t key[32], bool enc) {
  EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
  if (!c) return NULL;
  if (EVP_CipherInit_ex(c, cipher, NULL, key, NULL, enc ? 1 : 0) != 1 || EVP_CIPHER_CTX_set_padding(c, 0) != 1) {
    EVP_CIPHER_CTX_free(c);
    return NULL;
  }
  return c;
}

int zt_peer_key_init(ZtPeerKey* k, const uint8_t salsa_key[32], const uint8_t k0[32], const uint8_t k1[32]) {
  memset(k, 0, sizeof(*k));
  memcpy(k->salsa_key, salsa_key, 32);
  k->gcm = new_ctx(EVP_aes_256_gcm(), k0, true);
  k->ecb_enc = new_ctx(EVP_aes_256_ecb(), k1, true);
  k->ecb_dec = new_ctx(EVP_aes_256_ecb(), k1, false);
  k->ctr = new_ctx(EVP_aes_256_ctr(), k1, true);
  if (!k->gcm || !k->ecb_enc || !k->ecb_dec || !k->ctr) {
    zt_peer_key_free(k);
    return -1;
  }
  return 0;
}

void zt_peer_key_free(ZtPeerKey* k) {
  EVP_CIPHER_CTX_free(k->gcm);  // frees wipe the key schedules
  EVP_CIPHER_CTX_free(k->ecb_enc);
  EVP_CIPHER_CTX_free(k->ecb_dec);
  EVP_CIPHER_CTX_free(k->ctr);
  OPENSSL_cleanse(k, sizeof(*k));
}

static const uint8_t ZEROS[16] = {0};

int zt_siv_gmac(ZtPeerKey* k, const uint8_t nonce[8], const uint8_t* aad, size_t aad_len, const uint8_t* p, size_t n,
                uint8_t tag[16]) {
  uint8_t iv[12] = {0};
  memcpy(iv, nonce, 8);
  int outl = 0;
  size_t pad = (16 - (aad_len & 15)) & 15;
  uint8_t none[16];
  // AAD in three updates = one over aad ‖ zero pad ‖ p (GHASH buffers partial blocks)
  if (EVP_EncryptInit_ex(k->gcm, NULL, NULL, NULL, iv) != 1) return -1;
  if (aad_len && EVP_EncryptUpdate(k->gcm, NULL, &outl, aad, (int)aad_len) != 1) return -1;
  if (pad && EVP_EncryptUpdate(k->gcm, NULL, &outl, ZEROS, (int)pad) != 1) return -1;
  if (n && EVP_EncryptUpdate(k->gcm, NULL, &outl, p, (int)n) != 1) return -1;
  if (EVP_EncryptFinal_ex(k->gcm, none, &outl) != 1) return -1;
  if (EVP_CIPHER_CTX_ctrl(k->gcm, EVP_CTRL_GCM_GET_TAG, 16, tag) != 1) return -1;
  return 0;
}

static int ctr_crypt(ZtPeerKey* k, const uint8_t w16[16], const uint8_t* in, uint8_t* out, size_t n) {
  if (n == 0) return 0;
  uint8_t iv[16];
  memcpy(iv, w16, 16);
  iv[12] &= 0x7f;  // 1.14.1 increments only the last 32-bit word; with bit 31 clear they agree
  int outl = 0;
  if (EVP_EncryptInit_ex(k->ctr, NULL, NULL, NULL, iv) != 1) return -1;
  if (EVP_EncryptUpdate(k->ctr, out, &outl, in, (int)n) != 1) return -1;
  return 0;
}

int zt_siv_encrypt(ZtPeerKey* k, const uint8_t nonce[8], const uint8_t* aad, size_t aad_len, const uint8_t* pt,
                   uint8_t* ct, size_t n, uint8_t w16[16]) {
  uint8_t t[16], block[16];
  if (zt_siv_gmac(k, nonce, aad, aad_len, pt, n, t) != 0) return -1;
  memcpy(block, nonce, 8);
  for (int i = 0; i < 8; i++) block[8 + i] = t[i] ^ t[i + 8];
  int outl = 0;
  if (EVP_EncryptUpdate(k->ecb_enc, w16, &outl, block, 16) != 1 || outl != 16) return -1;
  return ctr_crypt(k, w16, pt, ct, n);
}

int zt_siv_decrypt(ZtPeerKey* k, const uint8_t w16[16], const uint8_t* aad, size_t aad_len, const uint8_t* ct,
                   uint8_t* pt, size_t n) {
  uint8_t w[16], nt[16], t[16], folded[8];
  memcpy(w, w16, 16);  // w16 may lie inside the buffer being decrypted
  int outl = 0;
  if (EVP_DecryptUpdate(k->ecb_dec, nt, &outl, w, 16) != 1 || outl != 16) return -1;
  if (ctr_crypt(k, w, ct, pt, n) != 0) return -1;
  if (zt_siv_gmac(k, nt, aad, aad_len, pt, n, t) != 0) return -1;
  for (int i = 0; i < 8; i++) folded[i] = t[i] ^ t[i + 8];
  return CRYPTO_memcmp(folded, nt + 8, 8) == 0 ? 1 : 0;
}

// ---------------------------------------------------------------------------------------
// Armor (02 §5). Byte 18: fragmented 0x40 | suite << 3 (0x38) | hops (0x07), 0x80 = legacy
// "encrypted" flag, set iff suite 1.

enum { IDX_DEST = 8, IDX_FLAGS = 18, IDX_MAC = 19, IDX_VERB = 27 };

// The per-packet Salsa20/12 key of suites 0/1 and the Poly1305 key from keystream block 0.
static void salsa_setup(const ZtPeerKey* k, const uint8_t* pkt, size_t n, uint8_t mangled[32], uint8_t poly_key[32]) {
  for (int i = 0; i < 18; i++) mangled[i] = k->salsa_key[i] ^ pkt[i];
  mangled[18] = k->salsa_key[18] ^ (pkt[IDX_FLAGS] & 0xf8);
  mangled[19] = k->salsa_key[19] ^ (uint8_t)(n & 0xff);
  mangled[20] = k->salsa_key[20] ^ (uint8_t)((n >> 8) & 0xff);
  memcpy(mangled + 21, k->salsa_key + 21, 11);
  memset(poly_key, 0, 32);
  zt_salsa2012_xor(poly_key, poly_key, 32, pkt, mangled, 0);
}

int zt_armor(ZtPeerKey* k, uint8_t* pkt, size_t n, int suite) {
  uint8_t f = (uint8_t)(pkt[IDX_FLAGS] & ~0x07 & ~(0x38 | 0x80));
  f |= (uint8_t)((suite << 3) & 0x38);
  if (suite == 1) f |= 0x80;
  pkt[IDX_FLAGS] = f;
  uint8_t* body = pkt + IDX_VERB;
  size_t body_len = n - IDX_VERB;
  if (suite == 3) {
    uint8_t nonce[8], w[16];
    memcpy(nonce, pkt, 8);
    if (zt_siv_encrypt(k, nonce, pkt + IDX_DEST, 11, body, body, body_len, w) != 0) return -1;
    memcpy(pkt, w, 8);
    memcpy(pkt + IDX_MAC, w + 8, 8);
    return 0;
  }
  uint8_t mangled[32], poly_key[32], tag[16];
  salsa_setup(k, pkt, n, mangled, poly_key);
  if (suite == 1) zt_salsa2012_xor(body, body, body_len, pkt, mangled, 1);
  zt_poly1305(tag, body, body_len, poly_key);
  memcpy(pkt + IDX_MAC, tag, 8);
  OPENSSL_cleanse(mangled, sizeof(mangled));
  OPENSSL_cleanse(poly_key, sizeof(poly_key));
  return 0;
}

int zt_dearmor(ZtPeerKey* k, uint8_t* pkt, size_t n) {
  if (n < ZT_MIN_PACKET) return 0;
  int suite = (pkt[IDX_FLAGS] & 0x38) >> 3;
  uint8_t* body = pkt + IDX_VERB;
  size_t body_len = n - IDX_VERB;
  if (suite == 3) {
    uint8_t w[16], aad[11];
    memcpy(w, pkt, 8);
    memcpy(w + 8, pkt + IDX_MAC, 8);
    memcpy(aad, pkt + IDX_DEST, 11);
    aad[10] &= 0xf8;
    // In place; a forgery is put back by running CTR again (it is its own inverse).
    int r = zt_siv_decrypt(k, w, aad, 11, body, body, body_len);
    if (r == 1) return 1;
    if (r == 0 && ctr_crypt(k, w, body, body, body_len) == 0) return 0;
    return -1;
  }
  if (suite != 0 && suite != 1) return 0;
  uint8_t mangled[32], poly_key[32], tag[16];
  salsa_setup(k, pkt, n, mangled, poly_key);
  zt_poly1305(tag, body, body_len, poly_key);
  int ok = CRYPTO_memcmp(tag, pkt + IDX_MAC, 8) == 0;
  if (ok && suite == 1) zt_salsa2012_xor(body, body, body_len, pkt, mangled, 1);
  OPENSSL_cleanse(mangled, sizeof(mangled));
  OPENSSL_cleanse(poly_key, sizeof(poly_key));
  return ok;
}
