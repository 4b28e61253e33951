// ztkube_tap: the N-API surface of the TAP addon (spec 06 §8.2–8.4). Argument checking and
// error reporting only; the work is in tap_device.cc (ioctls) and tap_io.cc (frame I/O).
// src/net/tap/addon.ts declares these functions' TypeScript types.
//
//   open(name, batch, slot, headroom, slab: ArrayBuffer, lengths: Uint32Array,
//        onRead: (count, errnoName | null) => void) → handle { name }
//   setReading(handle, on: boolean)
//   write(handle, frame: Uint8Array) → boolean          false = dropped (EAGAIN/ENOBUFS/EIO)
//   writeBatch(handle, frames: Uint8Array[], count) → number written
//   close(handle)                                       idempotent
//   setMtu(name, mtu) / setMac(name, mac: Uint8Array(6)) / setUp(name, up: boolean)
//   getInfo(name) → { mtu, flags, index, mac: number }
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "napi_util.h"
#include "tap_device.h"
#include "tap_io.h"

static void finalize_handle(napi_env /*env*/, void* data, void* /*hint*/) {
  tap_handle_finalize((TapHandle*)data);
}

static TapHandle* get_handle(napi_env env, napi_value v) {
  void* p = NULL;
  if (napi_unwrap(env, v, &p) != napi_ok || p == NULL) {
    napi_throw_type_error(env, "EINVAL", "not a TAP handle");
    return NULL;
  }
  return (TapHandle*)p;
}

static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 7) {
    napi_throw_type_error(env, "EINVAL", "open needs 7 arguments");
    return NULL;
  }
  char name[IFNAMSIZ];
  uint32_t batch, slot, headroom;
  if (!arg_name(env, argv[0], name, sizeof(name)) || !arg_u32(env, argv[1], "batch must be a uint32", &batch) ||
      !arg_u32(env, argv[2], "slot must be a uint32", &slot) ||
      !arg_u32(env, argv[3], "headroom must be a uint32", &headroom))
    return NULL;
  if (batch == 0 || headroom >= slot) {
    napi_throw_range_error(env, "EINVAL", "need batch > 0 and headroom < slot");
    return NULL;
  }
  void* slab = NULL;
  size_t slab_len = 0;
  if (napi_get_arraybuffer_info(env, argv[4], &slab, &slab_len) != napi_ok || slab_len < (size_t)batch * slot) {
    napi_throw_type_error(env, "EINVAL", "slab must be an ArrayBuffer of batch * slot bytes");
    return NULL;
  }
  napi_typedarray_type lt;
  size_t lengths_count = 0;
  void* lengths = NULL;
  if (napi_get_typedarray_info(env, argv[5], &lt, &lengths_count, &lengths, NULL, NULL) != napi_ok ||
      lt != napi_uint32_array || lengths_count < batch) {
    napi_throw_type_error(env, "EINVAL", "lengths must be a Uint32Array of batch entries");
    return NULL;
  }
  napi_valuetype cb_type;
  NAPI_OK(env, napi_typeof(env, argv[6], &cb_type));
  if (cb_type != napi_function) {
    napi_throw_type_error(env, "EINVAL", "onRead must be a function");
    return NULL;
  }

  int fd = -1;
  char actual[IFNAMSIZ];
  int err = tap_open(name, &fd, actual);
  if (err) {
    throw_errno(env, "TUNSETIFF", err);
    return NULL;
  }
  TapHandle* t = tap_handle_new(env, fd, (uint8_t*)slab, (uint32_t*)lengths, batch, slot, headroom, argv[4],
                                argv[5], argv[6]);
  if (!t) {
    close(fd);
    throw_errno(env, "uv_poll_init", ENOMEM);
    return NULL;
  }
  napi_value obj, name_v;
  if (napi_create_object(env, &obj) != napi_ok ||
      napi_create_string_utf8(env, actual, NAPI_AUTO_LENGTH, &name_v) != napi_ok ||
      napi_set_named_property(env, obj, "name", name_v) != napi_ok ||
      napi_wrap(env, obj, t, finalize_handle, NULL, NULL) != napi_ok) {
    tap_handle_finalize(t);  // closes the fd
    napi_throw_error(env, "ENAPI", "could not wrap the TAP handle");
    return NULL;
  }
  return obj;
}

static napi_value js_set_reading(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  TapHandle* t = get_handle(env, argv[0]);
  if (!t) return NULL;
  bool on = false;
  NAPI_OK(env, napi_get_value_bool(env, argv[1], &on));
  int err = tap_handle_set_reading(t, on);
  if (err) throw_errno(env, "uv_poll", err);
  return NULL;
}

static napi_value js_write(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  TapHandle* t = get_handle(env, argv[0]);
  uint8_t* data;
  size_t len;
  if (!t || !arg_bytes(env, argv[1], "frame must be a Uint8Array", &data, &len)) return NULL;
  bool dropped = false;
  int err = tap_handle_write(t, data, len, &dropped);
  if (err) {
    throw_errno(env, "write", err);
    return NULL;
  }
  napi_value out;
  NAPI_OK(env, napi_get_boolean(env, !dropped, &out));
  return out;
}

static napi_value js_write_batch(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  TapHandle* t = get_handle(env, argv[0]);
  uint32_t count;
  if (!t || !arg_u32(env, argv[2], "count must be a uint32", &count)) return NULL;
  uint32_t written = 0;
  for (uint32_t i = 0; i < count; i++) {
    napi_value frame;
    NAPI_OK(env, napi_get_element(env, argv[1], i, &frame));
    uint8_t* data;
    size_t len;
    if (!arg_bytes(env, frame, "frames must be Uint8Arrays", &data, &len)) return NULL;
    bool dropped = false;
    int err = tap_handle_write(t, data, len, &dropped);
    if (err) {
      throw_errno(env, "write", err);
      return NULL;
    }
    if (!dropped) written++;
  }
  napi_value out;
  NAPI_OK(env, napi_create_uint32(env, written, &out));
  return out;
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  TapHandle* t = get_handle(env, argv[0]);
  if (t) tap_handle_close(t);
  return NULL;
}

// setMtu / setUp / setMac / getInfo address the interface by name in our namespace.
static napi_value js_set_mtu(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char name[IFNAMSIZ];
  uint32_t mtu;
  if (!arg_name(env, argv[0], name, sizeof(name)) || !arg_u32(env, argv[1], "mtu must be a uint32", &mtu))
    return NULL;
  int err = tap_set_mtu(name, (int)mtu);
  if (err) throw_errno(env, "SIOCSIFMTU", err);
  return NULL;
}

static napi_value js_set_mac(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char name[IFNAMSIZ];
  uint8_t* mac;
  size_t len;
  if (!arg_name(env, argv[0], name, sizeof(name)) || !arg_bytes(env, argv[1], "mac must be a Uint8Array", &mac, &len))
    return NULL;
  if (len != 6) {
    napi_throw_range_error(env, "EINVAL", "mac must be 6 bytes");
    return NULL;
  }
  int err = tap_set_mac(name, mac);
  if (err) throw_errno(env, "SIOCSIFHWADDR", err);
  return NULL;
}

static napi_value js_set_up(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char name[IFNAMSIZ];
  bool up = false;
  if (!arg_name(env, argv[0], name, sizeof(name))) return NULL;
  NAPI_OK(env, napi_get_value_bool(env, argv[1], &up));
  int err = tap_set_up(name, up ? 1 : 0);
  if (err) throw_errno(env, "SIOCSIFFLAGS", err);
  return NULL;
}

static napi_value js_get_info(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char name[IFNAMSIZ];
  if (!arg_name(env, argv[0], name, sizeof(name))) return NULL;
  struct tap_info ti;
  int err = tap_get_info(name, &ti);
  if (err) {
    throw_errno(env, "SIOCGIFHWADDR", err);
    return NULL;
  }
  int64_t mac = 0;
  for (int i = 0; i < 6; i++) mac = (mac << 8) | ti.mac[i];
  napi_value obj, v;
  NAPI_OK(env, napi_create_object(env, &obj));
  NAPI_OK(env, napi_create_int32(env, ti.mtu, &v));
  NAPI_OK(env, napi_set_named_property(env, obj, "mtu", v));
  NAPI_OK(env, napi_create_int32(env, ti.flags & 0xffff, &v));
  NAPI_OK(env, napi_set_named_property(env, obj, "flags", v));
  NAPI_OK(env, napi_create_int32(env, ti.index, &v));
  NAPI_OK(env, napi_set_named_property(env, obj, "index", v));
  NAPI_OK(env, napi_create_int64(env, mac, &v));
  NAPI_OK(env, napi_set_named_property(env, obj, "mac", v));
  return obj;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"open", NULL, js_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setReading", NULL, js_set_reading, NULL, NULL, NULL, napi_enumerable, NULL},
      {"write", NULL, js_write, NULL, NULL, NULL, napi_enumerable, NULL},
      {"writeBatch", NULL, js_write_batch, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setMtu", NULL, js_set_mtu, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setMac", NULL, js_set_mac, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setUp", NULL, js_set_up, NULL, NULL, NULL, napi_enumerable, NULL},
      {"getInfo", NULL, js_get_info, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props) != napi_ok) return NULL;
  return exports;
}
