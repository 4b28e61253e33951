// ztkube_crypto: the N-API surface of the native packet ciphers (zt_crypto.h). Argument
// checking and error reporting only. src/crypto/native-crypto.ts declares the TypeScript
// types; the TypeScript implementations are the reference these are tested against.
//
//   createPeerKey(salsaKey32, k0, k1) → key                (EVP contexts keyed once)
//   armor(key, pkt, suite)                                  in place, suite 0 | 1 | 3
//   dearmor(key, pkt) → boolean                             in place; false leaves pkt as it was
//   armorBatch(keys, suites, slab, offsets, lengths, count)
//   dearmorBatch(keys, slab, offsets, lengths, count, results) → number authenticated
//   sivEncrypt(key, nonce8, aad, pt, ctOut, wOut16) · sivDecrypt(key, w16, aad, ct, ptOut) → boolean
//   sivGmac(key, nonce8, aad, p, tagOut16) · salsa2012Xor(out, input, nonce8, key32, initialBlock)
//   poly1305(out16, msg, key32)
//
// keys is one key (for every packet) or an array of count keys; suites one number or a
// Uint8Array of count suites; packet i is slab[offsets[i] … offsets[i] + lengths[i]).
// Every argument of a batch is checked before any packet is touched. Mistakes throw
// TypeError / RangeError with code EINVAL; an OpenSSL failure throws Error code ECRYPTO.
#include <vector>

#include "napi_util.h"
#include "zt_crypto.h"

// Tells our key objects from any other wrapped object (a TAP handle, say).
static const napi_type_tag KEY_TAG = {0x7a746b7562656b65ULL, 0x7970656572303031ULL};

static void finalize_key(napi_env /*env*/, void* data, void* /*hint*/) {
  ZtPeerKey* k = (ZtPeerKey*)data;
  zt_peer_key_free(k);
  delete k;
}

static ZtPeerKey* get_key(napi_env env, napi_value v, const char* what) {
  napi_valuetype type;
  bool tagged = false;
  void* p = NULL;
  if (napi_typeof(env, v, &type) != napi_ok || type != napi_object ||
      napi_check_object_type_tag(env, v, &KEY_TAG, &tagged) != napi_ok || !tagged ||
      napi_unwrap(env, v, &p) != napi_ok || p == NULL) {
    char msg[120];
    snprintf(msg, sizeof(msg), "%s must be a key returned by createPeerKey", what);
    throw_arg_error(env, false, msg);
    return NULL;
  }
  return (ZtPeerKey*)p;
}

static bool arg_exact(napi_env env, napi_value v, const char* what, size_t need, uint8_t** data) {
  size_t len = 0;
  if (!arg_bytes(env, v, what, data, &len)) return false;
  if (len != need) {
    char msg[120];
    snprintf(msg, sizeof(msg), "%s must be %zu bytes, got %zu", what, need, len);
    throw_arg_error(env, true, msg);
    return false;
  }
  return true;
}

static bool arg_u32_array(napi_env env, napi_value v, const char* what, uint32_t** data, size_t* count) {
  bool is_typed = false;
  napi_typedarray_type type;
  void* p = NULL;
  if (napi_is_typedarray(env, v, &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, v, &type, count, &p, NULL, NULL) != napi_ok || type != napi_uint32_array) {
    char msg[120];
    snprintf(msg, sizeof(msg), "%s must be a Uint32Array", what);
    throw_arg_error(env, false, msg);
    return false;
  }
  *data = (uint32_t*)p;
  return true;
}

static void throw_crypto(napi_env env, const char* what) {
  char msg[120];
  snprintf(msg, sizeof(msg), "%s: OpenSSL failed", what);
  napi_throw_error(env, "ECRYPTO", msg);
}

static napi_value undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

static napi_value boolean(napi_env env, bool b) {
  napi_value v;
  napi_get_boolean(env, b, &v);
  return v;
}

#define ARGS(fn, n)                                               \
  size_t argc = (n);                                              \
  napi_value argv[(n) > 0 ? (n) : 1];                             \
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL)); \
  if (!arg_count(env, fn, argc, (n))) return NULL;

static napi_value js_create_peer_key(napi_env env, napi_callback_info info) {
  ARGS("createPeerKey", 3);
  uint8_t *sk, *k0, *k1;
  if (!arg_exact(env, argv[0], "salsaKey", 32, &sk) || !arg_exact(env, argv[1], "k0", 32, &k0) ||
      !arg_exact(env, argv[2], "k1", 32, &k1))
    return NULL;
  ZtPeerKey* k = new ZtPeerKey;
  if (zt_peer_key_init(k, sk, k0, k1) != 0) {
    delete k;
    throw_crypto(env, "createPeerKey");
    return NULL;
  }
  napi_value obj;
  if (napi_create_object(env, &obj) != napi_ok || napi_type_tag_object(env, obj, &KEY_TAG) != napi_ok ||
      napi_wrap(env, obj, k, finalize_key, NULL, NULL) != napi_ok) {
    zt_peer_key_free(k);
    delete k;
    throw_napi_failure(env, "wrap key");
    return NULL;
  }
  return obj;
}

static bool arg_suite(napi_env env, napi_value v, int* suite) {
  uint32_t s;
  if (!arg_uint(env, v, "suite", 255, &s)) return false;
  if (s != 0 && s != 1 && s != 3) {
    char msg[80];
    snprintf(msg, sizeof(msg), "cannot armor with suite %u (0, 1 or 3)", s);
    throw_arg_error(env, true, msg);
    return false;
  }
  *suite = (int)s;
  return true;
}

static bool check_min_packet(napi_env env, size_t n) {
  if (n >= ZT_MIN_PACKET) return true;
  char msg[80];
  snprintf(msg, sizeof(msg), "packet shorter than %d bytes (%zu)", ZT_MIN_PACKET, n);
  throw_arg_error(env, true, msg);
  return false;
}

static napi_value js_armor(napi_env env, napi_callback_info info) {
  ARGS("armor", 3);
  ZtPeerKey* k = get_key(env, argv[0], "key");
  if (!k) return NULL;
  uint8_t* pkt;
  size_t n;
  int suite;
  if (!arg_bytes(env, argv[1], "pkt", &pkt, &n) || !check_min_packet(env, n) || !arg_suite(env, argv[2], &suite))
    return NULL;
  if (zt_armor(k, pkt, n, suite) != 0) {
    throw_crypto(env, "armor");
    return NULL;
  }
  return undefined(env);
}

static napi_value js_dearmor(napi_env env, napi_callback_info info) {
  ARGS("dearmor", 2);
  ZtPeerKey* k = get_key(env, argv[0], "key");
  if (!k) return NULL;
  uint8_t* pkt;
  size_t n;
  if (!arg_bytes(env, argv[1], "pkt", &pkt, &n)) return NULL;
  int r = zt_dearmor(k, pkt, n);
  if (r < 0) {
    throw_crypto(env, "dearmor");
    return NULL;
  }
  return boolean(env, r == 1);
}

// keys: one key or an array of at least count keys → out[0 … count).
static bool batch_keys(napi_env env, napi_value v, uint32_t count, std::vector<ZtPeerKey*>* out) {
  bool is_array = false;
  if (napi_is_array(env, v, &is_array) != napi_ok) {
    throw_napi_failure(env, "napi_is_array");
    return false;
  }
  if (!is_array) {
    ZtPeerKey* k = get_key(env, v, "keys");
    if (!k) return false;
    out->assign(count, k);
    return true;
  }
  uint32_t len = 0;
  if (napi_get_array_length(env, v, &len) != napi_ok) {
    throw_napi_failure(env, "napi_get_array_length");
    return false;
  }
  if (len < count) {
    char msg[120];
    snprintf(msg, sizeof(msg), "keys must have count = %u entries, got %u", count, len);
    throw_arg_error(env, true, msg);
    return false;
  }
  out->resize(count);
  napi_value prev_obj = NULL;
  ZtPeerKey* prev = NULL;
  for (uint32_t i = 0; i < count; i++) {
    napi_value e;
    if (napi_get_element(env, v, i, &e) != napi_ok) {
      throw_napi_failure(env, "napi_get_element");
      return false;
    }
    bool same = false;
    if (prev_obj && napi_strict_equals(env, e, prev_obj, &same) == napi_ok && same) {
      (*out)[i] = prev;
      continue;
    }
    char what[40];
    snprintf(what, sizeof(what), "keys[%u]", i);
    ZtPeerKey* k = get_key(env, e, what);
    if (!k) return false;
    (*out)[i] = prev = k;
    prev_obj = e;
  }
  return true;
}

// slab, offsets, lengths, count: every packet inside the slab (and ≥ 28 bytes when `need_min`).
static bool batch_packets(napi_env env, napi_value* a, uint8_t** slab, uint32_t** offsets, uint32_t** lengths,
                          uint32_t* count, bool need_min) {
  size_t slab_len, n_off, n_len;
  char msg[160];
  if (!arg_bytes(env, a[0], "slab", slab, &slab_len) || !arg_u32_array(env, a[1], "offsets", offsets, &n_off) ||
      !arg_u32_array(env, a[2], "lengths", lengths, &n_len) || !arg_uint(env, a[3], "count", UINT32_MAX, count))
    return false;
  if (n_off < *count || n_len < *count) {
    snprintf(msg, sizeof(msg), "offsets and lengths must have count = %u entries, got %zu and %zu", *count, n_off, n_len);
    throw_arg_error(env, true, msg);
    return false;
  }
  for (uint32_t i = 0; i < *count; i++) {
    uint64_t end = (uint64_t)(*offsets)[i] + (*lengths)[i];
    if (end > slab_len) {
      snprintf(msg, sizeof(msg), "packet %u (offset %u, length %u) ends beyond the %zu-byte slab", i, (*offsets)[i],
               (*lengths)[i], slab_len);
      throw_arg_error(env, true, msg);
      return false;
    }
    if (need_min && (*lengths)[i] < ZT_MIN_PACKET) {
      snprintf(msg, sizeof(msg), "packet %u shorter than %d bytes (%u)", i, ZT_MIN_PACKET, (*lengths)[i]);
      throw_arg_error(env, true, msg);
      return false;
    }
  }
  return true;
}

static napi_value js_armor_batch(napi_env env, napi_callback_info info) {
  ARGS("armorBatch", 6);
  uint8_t* slab;
  uint32_t *offsets, *lengths, count;
  if (!batch_packets(env, argv + 2, &slab, &offsets, &lengths, &count, true)) return NULL;
  std::vector<ZtPeerKey*> keys;
  if (!batch_keys(env, argv[0], count, &keys)) return NULL;
  napi_valuetype st;
  NAPI_OK(env, napi_typeof(env, argv[1], &st));
  int one_suite = -1;
  uint8_t* suites = NULL;
  if (st == napi_number) {
    if (!arg_suite(env, argv[1], &one_suite)) return NULL;
  } else {
    size_t n_suites = 0;
    if (!arg_bytes(env, argv[1], "suites", &suites, &n_suites)) return NULL;
    if (n_suites < count) {
      char msg[120];
      snprintf(msg, sizeof(msg), "suites must have count = %u entries, got %zu", count, n_suites);
      throw_arg_error(env, true, msg);
      return NULL;
    }
    for (uint32_t i = 0; i < count; i++) {
      if (suites[i] != 0 && suites[i] != 1 && suites[i] != 3) {
        char msg[120];
        snprintf(msg, sizeof(msg), "cannot armor with suite %u (suites[%u]; 0, 1 or 3)", suites[i], i);
        throw_arg_error(env, true, msg);
        return NULL;
      }
    }
  }
  for (uint32_t i = 0; i < count; i++) {
    int suite = suites ? suites[i] : one_suite;
    if (zt_armor(keys[i], slab + offsets[i], lengths[i], suite) != 0) {
      throw_crypto(env, "armorBatch");
      return NULL;
    }
  }
  return undefined(env);
}

static napi_value js_dearmor_batch(napi_env env, napi_callback_info info) {
  ARGS("dearmorBatch", 6);
  uint8_t* slab;
  uint32_t *offsets, *lengths, count;
  if (!batch_packets(env, argv + 1, &slab, &offsets, &lengths, &count, false)) return NULL;
  std::vector<ZtPeerKey*> keys;
  if (!batch_keys(env, argv[0], count, &keys)) return NULL;
  uint8_t* results;
  size_t n_results;
  if (!arg_bytes(env, argv[5], "results", &results, &n_results)) return NULL;
  if (n_results < count) {
    char msg[120];
    snprintf(msg, sizeof(msg), "results must have count = %u entries, got %zu", count, n_results);
    throw_arg_error(env, true, msg);
    return NULL;
  }
  uint32_t ok = 0;
  for (uint32_t i = 0; i < count; i++) {
    int r = zt_dearmor(keys[i], slab + offsets[i], lengths[i]);
    if (r < 0) {
      throw_crypto(env, "dearmorBatch");
      return NULL;
    }
    results[i] = (uint8_t)r;
    ok += (uint32_t)r;
  }
  napi_value v;
  NAPI_OK(env, napi_create_uint32(env, ok, &v));
  return v;
}

static bool arg_out(napi_env env, napi_value v, const char* what, size_t need, uint8_t** data) {
  size_t len;
  if (!arg_bytes(env, v, what, data, &len)) return false;
  if (len < need) {
    char msg[120];
    snprintf(msg, sizeof(msg), "%s must hold %zu bytes, got %zu", what, need, len);
    throw_arg_error(env, true, msg);
    return false;
  }
  return true;
}

static napi_value js_siv_encrypt(napi_env env, napi_callback_info info) {
  ARGS("sivEncrypt", 6);
  ZtPeerKey* k = get_key(env, argv[0], "key");
  if (!k) return NULL;
  uint8_t *nonce, *aad, *pt, *ct, *w;
  size_t aad_len, n;
  if (!arg_exact(env, argv[1], "nonce", 8, &nonce) || !arg_bytes(env, argv[2], "aad", &aad, &aad_len) ||
      !arg_bytes(env, argv[3], "plaintext", &pt, &n) || !arg_out(env, argv[4], "ciphertextOut", n, &ct) ||
      !arg_exact(env, argv[5], "wOut", 16, &w))
    return NULL;
  if (zt_siv_encrypt(k, nonce, aad, aad_len, pt, ct, n, w) != 0) {
    throw_crypto(env, "sivEncrypt");
    return NULL;
  }
  return undefined(env);
}

static napi_value js_siv_decrypt(napi_env env, napi_callback_info info) {
  ARGS("sivDecrypt", 5);
  ZtPeerKey* k = get_key(env, argv[0], "key");
  if (!k) return NULL;
  uint8_t *w, *aad, *ct, *pt;
  size_t aad_len, n;
  if (!arg_exact(env, argv[1], "w", 16, &w) || !arg_bytes(env, argv[2], "aad", &aad, &aad_len) ||
      !arg_bytes(env, argv[3], "ciphertext", &ct, &n) || !arg_out(env, argv[4], "plaintextOut", n, &pt))
    return NULL;
  int r = zt_siv_decrypt(k, w, aad, aad_len, ct, pt, n);
  if (r < 0) {
    throw_crypto(env, "sivDecrypt");
    return NULL;
  }
  return boolean(env, r == 1);
}

static napi_value js_siv_gmac(napi_env env, napi_callback_info info) {
  ARGS("sivGmac", 5);
  ZtPeerKey* k = get_key(env, argv[0], "key");
  if (!k) return NULL;
  uint8_t *nonce, *aad, *p, *tag;
  size_t aad_len, n;
  if (!arg_exact(env, argv[1], "nonce", 8, &nonce) || !arg_bytes(env, argv[2], "aad", &aad, &aad_len) ||
      !arg_bytes(env, argv[3], "p", &p, &n) || !arg_exact(env, argv[4], "tagOut", 16, &tag))
    return NULL;
  if (zt_siv_gmac(k, nonce, aad, aad_len, p, n, tag) != 0) {
    throw_crypto(env, "sivGmac");
    return NULL;
  }
  return undefined(env);
}

static napi_value js_salsa2012_xor(napi_env env, napi_callback_info info) {
  ARGS("salsa2012Xor", 5);
  uint8_t *out, *in, *nonce, *key;
  size_t n;
  double block = 0;
  napi_valuetype bt;
  if (!arg_bytes(env, argv[1], "input", &in, &n) || !arg_out(env, argv[0], "out", n, &out) ||
      !arg_exact(env, argv[2], "nonce", 8, &nonce) || !arg_exact(env, argv[3], "key", 32, &key))
    return NULL;
  if (napi_typeof(env, argv[4], &bt) != napi_ok || bt != napi_number || napi_get_value_double(env, argv[4], &block) != napi_ok) {
    throw_arg_error(env, false, "initialBlock must be a number");
    return NULL;
  }
  if (!(block >= 0 && block <= 9007199254740991.0 && floor(block) == block)) {
    throw_arg_error(env, true, "initialBlock must be a safe non-negative integer");
    return NULL;
  }
  zt_salsa2012_xor(out, in, n, nonce, key, (uint64_t)block);
  return undefined(env);
}

static napi_value js_poly1305(napi_env env, napi_callback_info info) {
  ARGS("poly1305", 3);
  uint8_t *out, *msg, *key;
  size_t n;
  if (!arg_exact(env, argv[0], "out", 16, &out) || !arg_bytes(env, argv[1], "msg", &msg, &n) ||
      !arg_exact(env, argv[2], "key", 32, &key))
    return NULL;
  zt_poly1305(out, msg, n, key);
  return undefined(env);
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"createPeerKey", NULL, js_create_peer_key, NULL, NULL, NULL, napi_enumerable, NULL},
      {"armor", NULL, js_armor, NULL, NULL, NULL, napi_enumerable, NULL},
      {"dearmor", NULL, js_dearmor, NULL, NULL, NULL, napi_enumerable, NULL},
      {"armorBatch", NULL, js_armor_batch, NULL, NULL, NULL, napi_enumerable, NULL},
      {"dearmorBatch", NULL, js_dearmor_batch, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sivEncrypt", NULL, js_siv_encrypt, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sivDecrypt", NULL, js_siv_decrypt, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sivGmac", NULL, js_siv_gmac, NULL, NULL, NULL, napi_enumerable, NULL},
      {"salsa2012Xor", NULL, js_salsa2012_xor, NULL, NULL, NULL, napi_enumerable, NULL},
      {"poly1305", NULL, js_poly1305, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props) != napi_ok) return NULL;
  return exports;
}
