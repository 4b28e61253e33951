// Small helpers shared by the binding files: argument checks and errno → JS Error.
// Errors carry `code` (the errno name, e.g. "EBUSY"), `errno` (the number) and `syscall`
// (what we were doing), like Node's own system errors, so the TS side can type them.
// Argument checks throw TypeError (wrong type, missing) or RangeError (wrong size or value),
// code "EINVAL", with a message naming the argument; they never reach a system call.
#ifndef ZTKUBE_NAPI_UTIL_H
#define ZTKUBE_NAPI_UTIL_H

#define NAPI_VERSION 8
#include <math.h>
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "errno_name.h"

// Returns from the calling function with NULL (pending exception) when a call fails.
#define NAPI_OK(env, call)                                \
  do {                                                    \
    if ((call) != napi_ok) {                              \
      throw_napi_failure((env), #call);                   \
      return NULL;                                        \
    }                                                     \
  } while (0)

// An N-API call failed. If it left an exception pending, that one is the better report.
static inline void throw_napi_failure(napi_env env, const char* what) {
  bool pending = false;
  if (napi_is_exception_pending(env, &pending) == napi_ok && pending) return;
  char msg[200];
  snprintf(msg, sizeof(msg), "N-API call failed: %s", what);
  napi_throw_error(env, "ENAPI", msg);
}

// Throws an Error like Node's system errors: "<syscall> <name>: <strerror>[; <hint>]".
static inline void throw_errno_hint(napi_env env, const char* syscall, int err, const char* hint) {
  const char* name = errno_name(err);
  char msg[400];
  if (hint) {
    snprintf(msg, sizeof(msg), "%s %s: %s; %s", syscall, name, strerror(err), hint);
  } else {
    snprintf(msg, sizeof(msg), "%s %s: %s", syscall, name, strerror(err));
  }
  napi_value code, text, error, num, sys;
  if (napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code) == napi_ok &&
      napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &text) == napi_ok &&
      napi_create_error(env, code, text, &error) == napi_ok && napi_create_int32(env, err, &num) == napi_ok &&
      napi_set_named_property(env, error, "errno", num) == napi_ok &&
      napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &sys) == napi_ok &&
      napi_set_named_property(env, error, "syscall", sys) == napi_ok && napi_throw(env, error) == napi_ok)
    return;
  // The rich error could not be built; a plain one with the same code and text still can be,
  // unless an exception is already pending (which then is what the caller sees).
  bool pending = false;
  if (napi_is_exception_pending(env, &pending) == napi_ok && !pending) napi_throw_error(env, name, msg);
}

static inline void throw_errno(napi_env env, const char* syscall, int err) { throw_errno_hint(env, syscall, err, NULL); }

// A TypeError or RangeError with code EINVAL and a formatted message.
static inline void throw_arg_error(napi_env env, bool range, const char* msg) {
  if (range) {
    napi_throw_range_error(env, "EINVAL", msg);
  } else {
    napi_throw_type_error(env, "EINVAL", msg);
  }
}

static inline bool arg_count(napi_env env, const char* fn, size_t argc, size_t need) {
  if (argc >= need) return true;
  char msg[120];
  snprintf(msg, sizeof(msg), "%s needs %zu argument%s, got %zu", fn, need, need == 1 ? "" : "s", argc);
  throw_arg_error(env, false, msg);
  return false;
}

// An integral number in 0 … max. napi_get_value_uint32 alone would wrap -1 to 4294967295
// and truncate 1.5, so the value is checked as a double first.
static inline bool arg_uint(napi_env env, napi_value v, const char* what, uint32_t max, uint32_t* out) {
  char msg[160];
  napi_valuetype type;
  double d = 0;
  if (napi_typeof(env, v, &type) != napi_ok || type != napi_number || napi_get_value_double(env, v, &d) != napi_ok) {
    snprintf(msg, sizeof(msg), "%s must be a number", what);
    throw_arg_error(env, false, msg);
    return false;
  }
  if (!(d >= 0 && d <= (double)max && floor(d) == d)) {
    snprintf(msg, sizeof(msg), "%s must be an integer in 0…%u, got %g", what, max, d);
    throw_arg_error(env, true, msg);
    return false;
  }
  *out = (uint32_t)d;
  return true;
}

static inline bool arg_bool(napi_env env, napi_value v, const char* what, bool* out) {
  if (napi_get_value_bool(env, v, out) != napi_ok) {
    char msg[120];
    snprintf(msg, sizeof(msg), "%s must be a boolean", what);
    throw_arg_error(env, false, msg);
    return false;
  }
  return true;
}

// Copies a short string argument (an interface name) into `out`, failing if it is too long
// or has a NUL inside (the kernel would silently use the part before it).
static inline bool arg_name(napi_env env, napi_value v, char* out, size_t cap) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) {
    throw_arg_error(env, false, "interface name must be a string");
    return false;
  }
  if (len == 0 || len >= cap) {
    char msg[120];
    snprintf(msg, sizeof(msg), "interface name must be 1…%zu bytes, got %zu", cap - 1, len);
    throw_arg_error(env, true, msg);
    return false;
  }
  if (napi_get_value_string_utf8(env, v, out, cap, &len) != napi_ok) {
    throw_napi_failure(env, "napi_get_value_string_utf8");
    return false;
  }
  if (strlen(out) != len) {
    throw_arg_error(env, true, "interface name must not contain NUL");
    return false;
  }
  return true;
}

// A Uint8Array argument as pointer + length (valid until JS runs again).
static inline bool arg_bytes(napi_env env, napi_value v, const char* what, uint8_t** data, size_t* len) {
  bool is_typed = false;
  napi_typedarray_type type;
  void* p = NULL;
  if (napi_is_typedarray(env, v, &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, v, &type, len, &p, NULL, NULL) != napi_ok || type != napi_uint8_array) {
    char msg[120];
    snprintf(msg, sizeof(msg), "%s must be a Uint8Array", what);
    throw_arg_error(env, false, msg);
    return false;
  }
  *data = (uint8_t*)p;
  return true;
}

#endif
