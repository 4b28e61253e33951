// Small helpers shared by the binding files: argument checks and errno → JS Error.
// Errors carry `code` (the errno name, e.g. "EBUSY"), `errno` (the number) and `syscall`
// (what we were doing), like Node's own system errors, so the TS side can type them.
#ifndef ZTKUBE_NAPI_UTIL_H
#define ZTKUBE_NAPI_UTIL_H

#define NAPI_VERSION 8
#include <node_api.h>
#include <stdio.h>
#include <string.h>

// Returns from the calling function with NULL (pending exception) when a call fails.
#define NAPI_OK(env, call)                                      \
  do {                                                          \
    if ((call) != napi_ok) {                                    \
      napi_throw_error((env), "ENAPI", "N-API call failed: " #call); \
      return NULL;                                              \
    }                                                           \
  } while (0)

static inline const char* errno_name(int err) {
  const char* n = strerrorname_np(err);
  return n ? n : "EUNKNOWN";
}

// Throws an Error like Node's system errors: "<syscall> <name>: <strerror>".
static inline void throw_errno(napi_env env, const char* syscall, int err) {
  char msg[160];
  snprintf(msg, sizeof(msg), "%s %s: %s", syscall, errno_name(err), strerror(err));
  napi_value code, text, error, num, sys;
  napi_create_string_utf8(env, errno_name(err), NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &text);
  napi_create_error(env, code, text, &error);
  napi_create_int32(env, err, &num);
  napi_set_named_property(env, error, "errno", num);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &sys);
  napi_set_named_property(env, error, "syscall", sys);
  napi_throw(env, error);
}

static inline bool arg_u32(napi_env env, napi_value v, const char* what, uint32_t* out) {
  if (napi_get_value_uint32(env, v, out) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", what);
    return false;
  }
  return true;
}

// Copies a short string argument (an interface name) into `out`, failing if it is too long.
static inline bool arg_name(napi_env env, napi_value v, char* out, size_t cap) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "interface name must be a string");
    return false;
  }
  if (len == 0 || len >= cap) {
    napi_throw_range_error(env, "EINVAL", "interface name must be 1..15 bytes");
    return false;
  }
  napi_get_value_string_utf8(env, v, out, cap, &len);
  return true;
}

// A Uint8Array argument as pointer + length.
static inline bool arg_bytes(napi_env env, napi_value v, const char* what, uint8_t** data, size_t* len) {
  napi_typedarray_type type;
  void* p = NULL;
  if (napi_get_typedarray_info(env, v, &type, len, &p, NULL, NULL) != napi_ok || type != napi_uint8_array) {
    napi_throw_type_error(env, "EINVAL", what);
    return false;
  }
  *data = (uint8_t*)p;
  return true;
}

#endif
