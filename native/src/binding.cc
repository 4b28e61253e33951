// ztkube_tap: the N-API surface of the TAP addon (spec 06 §8.2–8.4). Argument checking and
// error reporting only; the work is in tap_device.cc (ioctls) and tap_io.cc (frame I/O).
// src/net/tap/addon.ts declares these functions' TypeScript types.
//
//   open(name, batch, slot, headroom, slab: ArrayBuffer, lengths: Uint32Array,
//        onRead: (count, errnoName | null) => void, offload = false) → handle { name }
//   writeFrames(handle, slab: Uint8Array, slot, lengths: Uint32Array, count) → number written
//   offloadStats(handle) → { superFrames, segments, malformed, coalescedWrites, coalescedSegments }
//   segmentVnetFrame(bytes: vnet header + frame) → Uint8Array[] | null   (tests: the read path's cut)
//   coalesceFrames(frames: Uint8Array[]) → Uint8Array[]   (tests: the offload write path's joins,
//                                          each output with its vnet header)
//   setReading(handle, on: boolean)
//   write(handle, frame: Uint8Array) → boolean          false = dropped (EAGAIN/ENOBUFS/EIO)
//   writeBatch(handle, frames: Uint8Array[], count) → number written
//   close(handle)                                       idempotent
//   setMtuByName(name, mtu) / setMacByName(name, mac: Uint8Array(6)) / setUpByName(name, up)
//   getInfoByName(name) → { mtu, flags, index, mac: number }
//
// The *ByName calls find the interface by name in the calling process's network namespace
// (that is where the kernel resolves SIOCxIF names); their ENODEV says so.
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "napi_util.h"
#include "tap_device.h"
#include "tap_io.h"
#include "tap_offload.h"

static void finalize_handle(napi_env /*env*/, void* data, void* /*hint*/) {
  tap_handle_finalize((TapHandle*)data);
}

// Tells TAP handles from other wrapped objects (the crypto keys and UDP handles of the other
// addons share node's wrap slot, so napi_unwrap alone would hand us their structs).
static const napi_type_tag TAP_TAG = {0x7a746b7562657461ULL, 0x7068616e646c6531ULL};

static TapHandle* get_handle(napi_env env, napi_value v) {
  napi_valuetype type;
  bool tagged = false;
  void* p = NULL;
  if (napi_typeof(env, v, &type) != napi_ok || type != napi_object ||
      napi_check_object_type_tag(env, v, &TAP_TAG, &tagged) != napi_ok || !tagged || napi_unwrap(env, v, &p) != napi_ok ||
      p == NULL) {
    napi_throw_type_error(env, "EINVAL", "handle must be a TAP handle returned by open");
    return NULL;
  }
  return (TapHandle*)p;
}

// What to tell the operator about a failed open, beyond the errno.
static const char* open_hint(const char* step, int err) {
  bool at_open = strcmp(step, "open /dev/net/tun") == 0;
  if (at_open && (err == ENOENT || err == ENODEV || err == ENXIO))
    return "/dev/net/tun is missing or has no driver: load the tun module, or give the container /dev/net/tun";
  if (err == EPERM || err == EACCES) return "creating a TAP needs CAP_NET_ADMIN and read-write access to /dev/net/tun";
  if (err == EBUSY) return "the name is taken by another TAP or a device of another kind";
  return NULL;
}

static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (!arg_count(env, "open", argc, 7)) return NULL;
  bool offload = false;
  if (argc >= 8 && !arg_bool(env, argv[7], "offload", &offload)) return NULL;
  char name[IFNAMSIZ];
  uint32_t batch, slot, headroom;
  if (!arg_name(env, argv[0], name, sizeof(name)) || !arg_uint(env, argv[1], "batch", UINT32_MAX, &batch) ||
      !arg_uint(env, argv[2], "slot", UINT32_MAX, &slot) || !arg_uint(env, argv[3], "headroom", UINT32_MAX, &headroom))
    return NULL;
  if (batch == 0 || headroom >= slot) {
    napi_throw_range_error(env, "EINVAL", "need batch > 0 and headroom < slot");
    return NULL;
  }
  char msg[200];
  bool is_ab = false, detached = false;
  NAPI_OK(env, napi_is_arraybuffer(env, argv[4], &is_ab));
  if (!is_ab) {
    napi_throw_type_error(env, "EINVAL", "slab must be an ArrayBuffer (not a view, not a SharedArrayBuffer)");
    return NULL;
  }
  // A resizable slab could shrink under the reader; the read path checks every batch anyway,
  // but refusing it here gives the error at the call that made the mistake. (`resizable` is
  // a getter JS could replace, so the detached check comes after it.)
  napi_value resizable_v;
  bool resizable = false;
  NAPI_OK(env, napi_get_named_property(env, argv[4], "resizable", &resizable_v));
  napi_valuetype rt;
  NAPI_OK(env, napi_typeof(env, resizable_v, &rt));
  if (rt == napi_boolean) NAPI_OK(env, napi_get_value_bool(env, resizable_v, &resizable));
  if (resizable) {
    napi_throw_type_error(env, "EINVAL", "slab must not be a resizable ArrayBuffer");
    return NULL;
  }
  NAPI_OK(env, napi_is_detached_arraybuffer(env, argv[4], &detached));
  if (detached) {
    napi_throw_type_error(env, "EINVAL", "slab must not be a detached ArrayBuffer");
    return NULL;
  }
  void* slab = NULL;
  size_t slab_len = 0;
  NAPI_OK(env, napi_get_arraybuffer_info(env, argv[4], &slab, &slab_len));
  if (slab_len < (size_t)batch * slot) {
    snprintf(msg, sizeof(msg), "slab must hold batch * slot = %zu bytes, got %zu", (size_t)batch * slot, slab_len);
    napi_throw_range_error(env, "EINVAL", msg);
    return NULL;
  }
  bool is_typed = false;
  napi_typedarray_type lt;
  size_t lengths_count = 0;
  napi_value lengths_ab;
  NAPI_OK(env, napi_is_typedarray(env, argv[5], &is_typed));
  if (!is_typed || napi_get_typedarray_info(env, argv[5], &lt, &lengths_count, NULL, &lengths_ab, NULL) != napi_ok ||
      lt != napi_uint32_array) {
    napi_throw_type_error(env, "EINVAL", "lengths must be a Uint32Array");
    return NULL;
  }
  NAPI_OK(env, napi_is_detached_arraybuffer(env, lengths_ab, &detached));
  if (detached) {
    napi_throw_type_error(env, "EINVAL", "lengths must not be on a detached ArrayBuffer");
    return NULL;
  }
  if (lengths_count < batch) {
    snprintf(msg, sizeof(msg), "lengths must have batch = %u entries, got %zu", batch, lengths_count);
    napi_throw_range_error(env, "EINVAL", msg);
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
  const char* step = "TUNSETIFF";
  int err = tap_open(name, offload, &fd, actual, &step);
  if (err) {
    throw_errno_hint(env, step, err, open_hint(step, err));
    return NULL;
  }
  TapHandle* t = NULL;
  int st = tap_handle_new(env, fd, offload, batch, slot, headroom, argv[4], argv[5], argv[6], &t, &step);
  if (st != 0) {
    close(fd);  // the device goes away with it
    if (st > 0) {
      throw_errno(env, step, st);
    } else {
      throw_napi_failure(env, step);
    }
    return NULL;
  }
  napi_value obj, name_v;
  if (tap_test_fail("wrap") || napi_create_object(env, &obj) != napi_ok ||
      napi_create_string_utf8(env, actual, NAPI_AUTO_LENGTH, &name_v) != napi_ok ||
      napi_set_named_property(env, obj, "name", name_v) != napi_ok || napi_type_tag_object(env, obj, &TAP_TAG) != napi_ok ||
      napi_wrap(env, obj, t, finalize_handle, NULL, NULL) != napi_ok) {
    tap_handle_finalize(t);  // closes the fd; freed once libuv has closed the poll handle
    throw_napi_failure(env, "napi_wrap");
    return NULL;
  }
  return obj;
}

static napi_value js_set_reading(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (!arg_count(env, "setReading", argc, 2)) return NULL;
  TapHandle* t = get_handle(env, argv[0]);
  bool on = false;
  if (!t || !arg_bool(env, argv[1], "on", &on)) return NULL;
  int err = tap_handle_set_reading(t, on);
  if (err) throw_errno(env, "uv_poll", err);
  return NULL;
}

static napi_value js_write(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (!arg_count(env, "write", argc, 2)) return NULL;
  TapHandle* t = get_handle(env, argv[0]);
  uint8_t* data;
  size_t len;
  if (!t || !arg_bytes(env, argv[1], "frame", &data, &len)) return NULL;
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
  if (!arg_count(env, "writeBatch", argc, 3)) return NULL;
  TapHandle* t = get_handle(env, argv[0]);
  if (!t) return NULL;
  bool is_array = false;
  uint32_t have = 0, count;
  NAPI_OK(env, napi_is_array(env, argv[1], &is_array));
  if (!is_array) {
    napi_throw_type_error(env, "EINVAL", "frames must be an array of Uint8Arrays");
    return NULL;
  }
  NAPI_OK(env, napi_get_array_length(env, argv[1], &have));
  if (!arg_uint(env, argv[2], "count", have, &count)) return NULL;
  uint32_t written = 0;
  for (uint32_t i = 0; i < count; i++) {
    napi_value frame;
    NAPI_OK(env, napi_get_element(env, argv[1], i, &frame));
    uint8_t* data;
    size_t len;
    if (!arg_bytes(env, frame, "frames[i]", &data, &len)) return NULL;
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

static napi_value js_offload_stats(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (!arg_count(env, "offloadStats", argc, 1)) return NULL;
  TapHandle* t = get_handle(env, argv[0]);
  if (!t) return NULL;
  const TapOffloadStats* st = tap_handle_stats(t);
  napi_value obj, v;
  NAPI_OK(env, napi_create_object(env, &obj));
  NAPI_OK(env, napi_create_double(env, (double)st->super_frames, &v));
  NAPI_OK(env, napi_set_named_property(env, obj, "superFrames", v));
  NAPI_OK(env, napi_create_double(env, (double)st->segments, &v));
  NAPI_OK(env, napi_set_named_property(env, obj, "segments", v));
  NAPI_OK(env, napi_create_double(env, (double)st->malformed, &v));
  NAPI_OK(env, napi_set_named_property(env, obj, "malformed", v));
  NAPI_OK(env, napi_create_double(env, (double)st->coalesced_writes, &v));
  NAPI_OK(env, napi_set_named_property(env, obj, "coalescedWrites", v));
  NAPI_OK(env, napi_create_double(env, (double)st->coalesced_segments, &v));
  NAPI_OK(env, napi_set_named_property(env, obj, "coalescedSegments", v));
  return obj;
}

// The offload read path's treatment of one read, without a device: a vnet header and the
// frame behind it in, the frames a read would hand to JS out (null: dropped as malformed).
static napi_value js_segment_vnet_frame(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (!arg_count(env, "segmentVnetFrame", argc, 1)) return NULL;
  uint8_t* data;
  size_t len;
  if (!arg_bytes(env, argv[0], "bytes", &data, &len)) return NULL;
  napi_value out;
  if (len < VNET_HDR_BYTES || len > VNET_HDR_BYTES + VNET_MAX_FRAME_BYTES) {
    napi_throw_range_error(env, "EINVAL", "bytes must be a 10-byte vnet header and a frame of at most 65553 bytes");
    return NULL;
  }
  VnetHdr h;
  vnet_hdr_read(data, &h);
  uint8_t* frame = data + VNET_HDR_BYTES;
  len -= VNET_HDR_BYTES;
  NAPI_OK(env, napi_create_array(env, &out));
  if (h.gso_type == VNET_GSO_NONE) {
    void* copy;
    napi_value ab, view;
    NAPI_OK(env, napi_create_arraybuffer(env, len, &copy, &ab));
    memcpy(copy, frame, len);
    if ((h.flags & VNET_F_NEEDS_CSUM) && vnet_complete_checksum((uint8_t*)copy, len, &h) < 0) {
      NAPI_OK(env, napi_get_null(env, &out));
      return out;
    }
    NAPI_OK(env, napi_create_typedarray(env, napi_uint8_array, len, ab, 0, &view));
    NAPI_OK(env, napi_set_element(env, out, 0, view));
    return out;
  }
  TsoPlan plan;
  if (tso_plan(frame, len, &h, &plan) < 0) {
    NAPI_OK(env, napi_get_null(env, &out));
    return out;
  }
  for (uint32_t i = 0; i < plan.count; i++) {
    size_t n = tso_segment_bytes(&plan, i);
    void* seg;
    napi_value ab, view;
    NAPI_OK(env, napi_create_arraybuffer(env, n, &seg, &ab));
    tso_segment(&plan, i, (uint8_t*)seg);
    NAPI_OK(env, napi_create_typedarray(env, napi_uint8_array, n, ab, 0, &view));
    NAPI_OK(env, napi_set_element(env, out, i, view));
  }
  return out;
}

static napi_value js_write_frames(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (!arg_count(env, "writeFrames", argc, 5)) return NULL;
  TapHandle* t = get_handle(env, argv[0]);
  uint8_t* slab;
  size_t slab_len;
  uint32_t slot, count;
  if (!t || !arg_bytes(env, argv[1], "slab", &slab, &slab_len) || !arg_uint(env, argv[2], "slot", UINT32_MAX, &slot)) return NULL;
  bool is_typed = false;
  napi_typedarray_type lt;
  size_t have = 0;
  void* lp = NULL;
  NAPI_OK(env, napi_is_typedarray(env, argv[3], &is_typed));
  if (!is_typed || napi_get_typedarray_info(env, argv[3], &lt, &have, &lp, NULL, NULL) != napi_ok || lt != napi_uint32_array) {
    napi_throw_type_error(env, "EINVAL", "lengths must be a Uint32Array");
    return NULL;
  }
  if (!arg_uint(env, argv[4], "count", (uint32_t)(have < UINT32_MAX ? have : UINT32_MAX), &count)) return NULL;
  const uint32_t* lengths = (const uint32_t*)lp;
  char msg[160];
  for (uint32_t i = 0; i < count; i++) {
    if (lengths[i] > slot || (size_t)i * slot + lengths[i] > slab_len) {
      snprintf(msg, sizeof(msg), "frame %u (%u bytes) does not fit slot %u of a %zu-byte slab of %u-byte slots", i, lengths[i], i, slab_len, slot);
      napi_throw_range_error(env, "EINVAL", msg);
      return NULL;
    }
  }
  uint32_t written = 0;
  int err = tap_handle_write_frames(t, slab, slot, lengths, count, &written);
  if (err) {
    throw_errno(env, "write", err);
    return NULL;
  }
  napi_value out;
  NAPI_OK(env, napi_create_uint32(env, written, &out));
  return out;
}

// The offload write path's grouping without a device: each output is what one write would
// hand the kernel, vnet header first.
static napi_value js_coalesce_frames(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (!arg_count(env, "coalesceFrames", argc, 1)) return NULL;
  bool is_array = false;
  uint32_t count = 0;
  NAPI_OK(env, napi_is_array(env, argv[0], &is_array));
  if (!is_array) {
    napi_throw_type_error(env, "EINVAL", "frames must be an array of Uint8Arrays");
    return NULL;
  }
  NAPI_OK(env, napi_get_array_length(env, argv[0], &count));
  // Laid out as the write path sees them: one slot per frame.
  const size_t slot = VNET_MAX_FRAME_BYTES;
  uint8_t* slab = (uint8_t*)malloc(slot * (count ? count : 1));
  uint32_t* lengths = (uint32_t*)malloc(sizeof(uint32_t) * (count ? count : 1));
  uint8_t* joined = (uint8_t*)malloc(VNET_HDR_BYTES + VNET_MAX_FRAME_BYTES);
  TcpSegment* run = (TcpSegment*)malloc(sizeof(TcpSegment) * TCP_RUN_MAX_SEGMENTS);
  napi_value out = NULL;
  bool ok = slab && lengths && joined && run;
  if (!ok) napi_throw_error(env, "ENOMEM", "out of memory");
  if (ok && napi_create_array(env, &out) != napi_ok) {
    throw_napi_failure(env, "napi_create_array");
    ok = false;
  }
  for (uint32_t i = 0; ok && i < count; i++) {
    napi_value v;
    uint8_t* data;
    size_t len;
    if (napi_get_element(env, argv[0], i, &v) != napi_ok || !arg_bytes(env, v, "frames[i]", &data, &len)) {
      ok = false;
    } else if (len > slot) {
      napi_throw_range_error(env, "EINVAL", "frames must be at most 65553 bytes");
      ok = false;
    } else {
      memcpy(slab + (size_t)i * slot, data, len);
      lengths[i] = (uint32_t)len;
    }
  }
  for (uint32_t i = 0, n = 0; ok && i < count; n++) {
    uint32_t k = tcp_run(slab + (size_t)i * slot, slot, lengths + i, count - i, run);
    size_t bytes = k >= 2 ? tcp_coalesce(run, k, joined) : VNET_HDR_BYTES + lengths[i];
    void* p;
    napi_value ab, view;
    ok = napi_create_arraybuffer(env, bytes, &p, &ab) == napi_ok &&
         napi_create_typedarray(env, napi_uint8_array, bytes, ab, 0, &view) == napi_ok;
    if (ok) {
      if (k >= 2) {
        memcpy(p, joined, bytes);
      } else {
        memset(p, 0, VNET_HDR_BYTES);
        memcpy((uint8_t*)p + VNET_HDR_BYTES, slab + (size_t)i * slot, lengths[i]);
      }
      ok = napi_set_element(env, out, n, view) == napi_ok;
    }
    i += k;
  }
  free(slab);
  free(lengths);
  free(joined);
  free(run);
  return ok ? out : NULL;
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (!arg_count(env, "close", argc, 1)) return NULL;
  TapHandle* t = get_handle(env, argv[0]);
  if (t && !tap_handle_close(t)) throw_napi_failure(env, "napi_delete_reference (the fd is closed)");
  return NULL;
}

// The *ByName calls: an ENODEV means the name is not in *our* namespace, which is the
// mistake worth naming (the device may well exist, moved into a pod's namespace).
static void throw_by_name(napi_env env, const char* syscall, int err, const char* name) {
  if (err != ENODEV) {
    throw_errno(env, syscall, err);
    return;
  }
  char hint[200];
  snprintf(hint, sizeof(hint),
           "no interface %s here: the device must be in the calling process's network namespace", name);
  throw_errno_hint(env, syscall, err, hint);
}

static napi_value js_set_mtu(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (!arg_count(env, "setMtuByName", argc, 2)) return NULL;
  char name[IFNAMSIZ];
  uint32_t mtu;
  if (!arg_name(env, argv[0], name, sizeof(name)) || !arg_uint(env, argv[1], "mtu", INT32_MAX, &mtu)) return NULL;
  int err = tap_set_mtu(name, (int)mtu);
  if (err) throw_by_name(env, "SIOCSIFMTU", err, name);
  return NULL;
}

static napi_value js_set_mac(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (!arg_count(env, "setMacByName", argc, 2)) return NULL;
  char name[IFNAMSIZ];
  uint8_t* mac;
  size_t len;
  if (!arg_name(env, argv[0], name, sizeof(name)) || !arg_bytes(env, argv[1], "mac", &mac, &len)) return NULL;
  if (len != 6) {
    char msg[80];
    snprintf(msg, sizeof(msg), "mac must be 6 bytes, got %zu", len);
    napi_throw_range_error(env, "EINVAL", msg);
    return NULL;
  }
  int err = tap_set_mac(name, mac);
  if (err) throw_by_name(env, "SIOCSIFHWADDR", err, name);
  return NULL;
}

static napi_value js_set_up(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (!arg_count(env, "setUpByName", argc, 2)) return NULL;
  char name[IFNAMSIZ];
  bool up = false;
  if (!arg_name(env, argv[0], name, sizeof(name)) || !arg_bool(env, argv[1], "up", &up)) return NULL;
  int err = tap_set_up(name, up ? 1 : 0);
  if (err) throw_by_name(env, "SIOCSIFFLAGS", err, name);
  return NULL;
}

static napi_value js_get_info(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (!arg_count(env, "getInfoByName", argc, 1)) return NULL;
  char name[IFNAMSIZ];
  if (!arg_name(env, argv[0], name, sizeof(name))) return NULL;
  struct tap_info ti;
  int err = tap_get_info(name, &ti);
  if (err) {
    throw_by_name(env, "SIOCGIFMTU", err, name);
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
      {"writeFrames", NULL, js_write_frames, NULL, NULL, NULL, napi_enumerable, NULL},
      {"coalesceFrames", NULL, js_coalesce_frames, NULL, NULL, NULL, napi_enumerable, NULL},
      {"offloadStats", NULL, js_offload_stats, NULL, NULL, NULL, napi_enumerable, NULL},
      {"segmentVnetFrame", NULL, js_segment_vnet_frame, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setMtuByName", NULL, js_set_mtu, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setMacByName", NULL, js_set_mac, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setUpByName", NULL, js_set_up, NULL, NULL, NULL, napi_enumerable, NULL},
      {"getInfoByName", NULL, js_get_info, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props) != napi_ok) return NULL;
  return exports;
}
