// The slice of sodium-native that src/crypto uses. Output buffers come first, as in libsodium.
declare module 'sodium-native' {
  type Buf = Uint8Array;
  const sodium: {
    crypto_hash_sha512(out: Buf, input: Buf): void;
    crypto_scalarmult(q: Buf, n: Buf, p: Buf): void;
    crypto_scalarmult_base(q: Buf, n: Buf): void;
    crypto_sign_seed_keypair(pk: Buf, sk: Buf, seed: Buf): void;
    crypto_sign_detached(sig: Buf, m: Buf, sk: Buf): void;
    crypto_sign_verify_detached(sig: Buf, m: Buf, pk: Buf): boolean;
    crypto_onetimeauth(out: Buf, input: Buf, key: Buf): void;
    crypto_stream_salsa20(c: Buf, n: Buf, k: Buf): void;
    crypto_stream_salsa20_xor_ic(c: Buf, m: Buf, n: Buf, ic: number, k: Buf): void;
    randombytes_buf(buf: Buf): void;
    randombytes_uniform(upperBound: number): number;
  };
  export default sodium;
}
