// The packet ciphers of ZeroTier 1.14.1 in C (spec 01 §8–9, 02 §5), no N-API: Salsa20/12,
// Poly1305, AES-GMAC-SIV on OpenSSL EVP contexts keyed once per peer, and whole-packet
// armor/dearmor in place. src/protocol/armor.ts and src/crypto/ are the reference these are
// tested against byte for byte (test/unit/crypto/native-crypto.test.ts).
#ifndef ZTKUBE_ZT_CRYPTO_H
#define ZTKUBE_ZT_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

typedef struct evp_cipher_ctx_st EVP_CIPHER_CTX;

// Salsa20 with 12 rounds: out = in XOR keystream(key, nonce) from 64-byte block
// `initial_block`; whole blocks are consumed (a partial last block's tail is discarded).
// out may equal in.
void zt_salsa2012_xor(uint8_t* out, const uint8_t* in, size_t n, const uint8_t nonce[8], const uint8_t key[32],
                      uint64_t initial_block);

// tag = Poly1305(key, msg), all 16 bytes.
void zt_poly1305(uint8_t tag[16], const uint8_t* msg, size_t n, const uint8_t key[32]);

// One peer's key material: K[0..32] for suites 0/1 and four EVP contexts for suite 3
// (GCM keyed with K0; ECB encrypt, ECB decrypt and CTR keyed with K1). Only the IV changes
// per packet.
struct ZtPeerKey {
  uint8_t salsa_key[32];
  EVP_CIPHER_CTX* gcm;
  EVP_CIPHER_CTX* ecb_enc;
  EVP_CIPHER_CTX* ecb_dec;
  EVP_CIPHER_CTX* ctr;
};

// 0 on success; otherwise nothing is left allocated. zt_peer_key_free wipes and frees.
int zt_peer_key_init(ZtPeerKey* k, const uint8_t salsa_key[32], const uint8_t k0[32], const uint8_t k1[32]);
void zt_peer_key_free(ZtPeerKey* k);

// AES-GMAC-SIV (01 §9.2). encrypt: w16 = the transmitted tag, ct = CTR(pt) (ct may equal pt).
// decrypt: pt = CTR(ct) (may be in place), returns 1 iff the tag verifies. -1 = OpenSSL failed.
int zt_siv_encrypt(ZtPeerKey* k, const uint8_t nonce[8], const uint8_t* aad, size_t aad_len, const uint8_t* pt,
                   uint8_t* ct, size_t n, uint8_t w16[16]);
int zt_siv_decrypt(ZtPeerKey* k, const uint8_t w16[16], const uint8_t* aad, size_t aad_len, const uint8_t* ct,
                   uint8_t* pt, size_t n);
// The unfolded GMAC T (known-answer tests only).
int zt_siv_gmac(ZtPeerKey* k, const uint8_t nonce[8], const uint8_t* aad, size_t aad_len, const uint8_t* p, size_t n,
                uint8_t tag[16]);

#define ZT_MIN_PACKET 28

// Armor pkt[0..n) in place (n ≥ 28, suite 0, 1 or 3): hops cleared, suite written into
// byte 18 (0x80 iff suite 1). 0 = done, -1 = OpenSSL failed (packet then undefined).
int zt_armor(ZtPeerKey* k, uint8_t* pkt, size_t n, int suite);
// Authenticate and decrypt in place. 1 = authentic (plaintext in place), 0 = refused and
// pkt unchanged (short, bad MAC/tag, suite 2 or 4–7), -1 = OpenSSL failed.
int zt_dearmor(ZtPeerKey* k, uint8_t* pkt, size_t n);

#endif
