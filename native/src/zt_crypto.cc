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


#if defined(__SSE2__)
#include <emmintrin.h>
// Four consecutive blocks at once: vector i holds word i of blocks ctr … ctr+3 (one per
// lane). 256 bytes of keystream XORed into in → out.
static inline __m128i vrotl(__m128i v, int c) { return _mm_or_si128(_mm_slli_epi32(v, c), _mm_srli_epi32(v, 32 - c)); }
#define VQR(a, b, c, d)                          \
  b = _mm_xor_si128(b, vrotl(_mm_add_epi32(a, d), 7));  \
  c = _mm_xor_si128(c, vrotl(_mm_add_epi32(b, a), 9));  \
  d = _mm_xor_si128(d, vrotl(_mm_add_epi32(c, b), 13)); \
  a = _mm_xor_si128(a, vrotl(_mm_add_epi32(d, c), 18));

static void salsa_4blocks_xor(const uint32_t s[16], uint64_t ctr, const uint8_t* in, uint8_t* out) {
  __m128i j[16], x[16];
  for (int i = 0; i < 16; i++) j[i] = _mm_set1_epi32((int)s[i]);
  uint64_t c0 = ctr, c1 = ctr + 1, c2 = ctr + 2, c3 = ctr + 3;
  j[8] = _mm_set_epi32((int)(uint32_t)c3, (int)(uint32_t)c2, (int)(uint32_t)c1, (int)(uint32_t)c0);
  j[9] = _mm_set_epi32((int)(uint32_t)(c3 >> 32), (int)(uint32_t)(c2 >> 32), (int)(uint32_t)(c1 >> 32), (int)(uint32_t)(c0 >> 32));
  for (int i = 0; i < 16; i++) x[i] = j[i];
  for (int r = 0; r < 12; r += 2) {
    VQR(x[0], x[4], x[8], x[12]);
    VQR(x[5], x[9], x[13], x[1]);
    VQR(x[10], x[14], x[2], x[6]);
    VQR(x[15], x[3], x[7], x[11]);
    VQR(x[0], x[1], x[2], x[3]);
    VQR(x[5], x[6], x[7], x[4]);
    VQR(x[10], x[11], x[8], x[9]);
    VQR(x[15], x[12], x[13], x[14]);
  }
  // transpose groups of four words: block b gets words 4q … 4q+3 from lanes b of x[4q …]
  for (int q = 0; q < 4; q++) {
    __m128i a = _mm_add_epi32(x[4 * q], j[4 * q]), b = _mm_add_epi32(x[4 * q + 1], j[4 * q + 1]);
    __m128i c = _mm_add_epi32(x[4 * q + 2], j[4 * q + 2]), d = _mm_add_epi32(x[4 * q + 3], j[4 * q + 3]);
    __m128i ab_lo = _mm_unpacklo_epi32(a, b), ab_hi = _mm_unpackhi_epi32(a, b);
    __m128i cd_lo = _mm_unpacklo_epi32(c, d), cd_hi = _mm_unpackhi_epi32(c, d);
    __m128i blk[4] = {_mm_unpacklo_epi64(ab_lo, cd_lo), _mm_unpackhi_epi64(ab_lo, cd_lo), _mm_unpacklo_epi64(ab_hi, cd_hi),
                      _mm_unpackhi_epi64(ab_hi, cd_hi)};
    for (int b2 = 0; b2 < 4; b2++) {
      size_t at = (size_t)b2 * 64 + (size_t)q * 16;
      __m128i v = _mm_loadu_si128((const __m128i*)(in + at));
      _mm_storeu_si128((__m128i*)(out + at), _mm_xor_si128(v, blk[b2]));
    }
  }
}
#endif

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
#if defined(__SSE2__)
  while (n >= 256) {
    salsa_4blocks_xor(s, ctr, in, out);
    ctr += 4;
    in += 256;
    out += 256;
    n -= 256;
  }
#endif
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
// Poly1305 in radix 2^44 (limbs of 44, 44 and 42 bits, 128-bit products): per 16-byte block
// h = (h + m) * r mod 2^130 - 5; tag = (h mod 2^130-5 + s) mod 2^128. A product term at
// 2^132 or above folds back as × 20 (2^130 ≡ 5, times the 2^2 left over).

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "zt_crypto.cc loads words with memcpy: little-endian hosts only"
#endif
typedef unsigned __int128 u128;
static inline uint64_t le64(const uint8_t* p) {
  uint64_t v;
  memcpy(&v, p, 8);  // little-endian hosts only (x86-64, arm64)
  return v;
}
static inline void put_le64(uint8_t* p, uint64_t v) { memcpy(p, &v, 8); }

#define M44 0xfffffffffffULL
#define M42 0x3ffffffffffULL

static void poly_blocks(const uint64_t r[3], uint64_t h[3], const uint8_t* m, size_t n, uint64_t hibit) {
  const uint64_t r0 = r[0], r1 = r[1], r2 = r[2];
  const uint64_t s1 = r1 * 20, s2 = r2 * 20;
  uint64_t h0 = h[0], h1 = h[1], h2 = h[2];
  while (n >= 16) {
    uint64_t t0 = le64(m), t1 = le64(m + 8);
    h0 += t0 & M44;
    h1 += ((t0 >> 44) | (t1 << 20)) & M44;
    h2 += ((t1 >> 24) & M42) | hibit;
    u128 d0 = (u128)h0 * r0 + (u128)h1 * s2 + (u128)h2 * s1;
    u128 d1 = (u128)h0 * r1 + (u128)h1 * r0 + (u128)h2 * s2;
    u128 d2 = (u128)h0 * r2 + (u128)h1 * r1 + (u128)h2 * r0;
    uint64_t c = (uint64_t)(d0 >> 44);
    h0 = (uint64_t)d0 & M44;
    d1 += c;
    c = (uint64_t)(d1 >> 44);
    h1 = (uint64_t)d1 & M44;
    d2 += c;
    c = (uint64_t)(d2 >> 42);
    h2 = (uint64_t)d2 & M42;
    h0 += c * 5;
    c = h0 >> 44;
    h0 &= M44;
    h1 += c;
    m += 16;
    n -= 16;
  }
  h[0] = h0;
  h[1] = h1;
  h[2] = h2;
}

void zt_poly1305(uint8_t tag[16], const uint8_t* msg, size_t n, const uint8_t key[32]) {
  // r with the clamp 0x0ffffffc0ffffffc0ffffffc0fffffff, in three limbs
  uint64_t t0 = le64(key), t1 = le64(key + 8);
  uint64_t r[3] = {t0 & 0xffc0fffffffULL, ((t0 >> 44) | (t1 << 20)) & 0xfffffc0ffffULL, (t1 >> 24) & 0x00ffffffc0fULL};
  uint64_t h[3] = {0, 0, 0};
  size_t whole = n & ~(size_t)15;
  poly_blocks(r, h, msg, whole, 1ULL << 40);
  if (n > whole) {
    uint8_t last[16] = {0};
    memcpy(last, msg + whole, n - whole);
    last[n - whole] = 1;  // the 2^(8·len) bit of a short block
    poly_blocks(r, h, last, 16, 0);
  }
  uint64_t h0 = h[0], h1 = h[1], h2 = h[2], c;
  c = h1 >> 44; h1 &= M44; h2 += c;
  c = h2 >> 42; h2 &= M42; h0 += c * 5;
  c = h0 >> 44; h0 &= M44; h1 += c;
  c = h1 >> 44; h1 &= M44; h2 += c;
  c = h2 >> 42; h2 &= M42; h0 += c * 5;
  c = h0 >> 44; h0 &= M44; h1 += c;
  // g = h + 5 - 2^130; keep g when it did not borrow (h ≥ p), constant time
  uint64_t g0 = h0 + 5; c = g0 >> 44; g0 &= M44;
  uint64_t g1 = h1 + c; c = g1 >> 44; g1 &= M44;
  uint64_t g2 = h2 + c - (1ULL << 42);
  uint64_t keep_g = (g2 >> 63) - 1;  // all ones iff no borrow
  h0 = (h0 & ~keep_g) | (g0 & keep_g);
  h1 = (h1 & ~keep_g) | (g1 & keep_g);
  h2 = (h2 & ~keep_g) | (g2 & keep_g);
  // + s, mod 2^128
  t0 = le64(key + 16);
  t1 = le64(key + 24);
  h0 += t0 & M44; c = h0 >> 44; h0 &= M44;
  h1 += (((t0 >> 44) | (t1 << 20)) & M44) + c; c = h1 >> 44; h1 &= M44;
  h2 += ((t1 >> 24) & M42) + c; h2 &= M42;
  put_le64(tag, h0 | (h1 << 44));
  put_le64(tag + 8, (h1 >> 20) | (h2 << 24));
  OPENSSL_cleanse(r, sizeof(r));
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
