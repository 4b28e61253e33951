// Frame I/O on an open TAP fd, driven by the event loop (spec 06 §8.4, STYLE §4).
//
// Reading: a uv_poll_t watches the fd. On each readable wakeup we read() until EAGAIN or
// until the batch is full, writing frame i at slab[i * slot + headroom] (a JS-owned
// ArrayBuffer) and its length at lengths[i] (a JS-owned Uint32Array), then call the JS
// callback ONCE with (count, errno name or null). No allocation per frame, no threadpool. If the batch
// filled up, libuv's level-triggered poll simply wakes us again on the next loop turn.
//
// The slab and lengths pointers are fetched again from their references at every wakeup:
// JavaScript can detach an ArrayBuffer (structuredClone with transfer, postMessage) or shrink
// a resizable one, which frees or moves the memory, and N-API has no way to forbid that up
// front. A buffer found detached or too small stops reading with onRead(0, "EDETACHED").
//
// Writing: one non-blocking write() per frame. EAGAIN/ENOBUFS (queue full) and EIO (the
// interface is down) mean "dropped", reported as false / a smaller count, never an
// exception: losing a frame is normal for a link.
//
// Lifetime: the struct lives until both the JS wrapper was collected and libuv finished
// closing the poll handle. close() is idempotent and releases the fd and all references.
// Once uv_poll_init has succeeded the loop links the handle into its queue, so from then
// on every path, failures included, frees the struct only in the uv_close callback.
#include "tap_io.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <unistd.h>
#include <uv.h>

#include "tap_offload.h"

struct TapHandle {
  napi_env env;
  int fd;
  uv_poll_t poll;
  bool polling;
  bool closed;     // fd closed and references released
  bool uv_closed;  // libuv has finished with `poll`
  bool finalized;  // the JS wrapper was collected (or never existed)
  bool has_async_ctx;
  uint32_t batch, slot, headroom;
  napi_ref slab_ref, lengths_ref, cb_ref;
  napi_async_context async_ctx;
  // IFF_VNET_HDR (tap_offload.h). A super-frame is read into `scratch` and handed out as
  // segments, slot by slot; what does not fit the batch waits in `plan` for the next one.
  bool offload;
  uint8_t* scratch;
  // Where writes build a coalesced super-frame: its own, since JS may write (in a microtask
  // of the read callback) while a read's super-frame still waits in `scratch`.
  uint8_t* coalesce;
  TsoPlan plan;
  uint32_t plan_next;
  bool has_plan;
  TapOffloadStats stats;
};

bool tap_test_fail(const char* step) {
  const char* want = getenv("ZTKUBE_TAP_TEST_FAIL");
  return want != NULL && strcmp(want, step) == 0;
}

static void free_if_done(TapHandle* t) {
  if (t->finalized && t->uv_closed) {
    free(t->scratch);
    free(t->coalesce);
    free(t);
  }
}

static void on_uv_closed(uv_handle_t* h) {
  TapHandle* t = (TapHandle*)h->data;
  t->uv_closed = true;
  free_if_done(t);
}

// Drops the references and the async context; false if N-API refused any of them.
static bool drop_js(TapHandle* t) {
  bool ok = true;
  napi_ref* refs[] = {&t->slab_ref, &t->lengths_ref, &t->cb_ref};
  for (napi_ref* r : refs) {
    if (*r != NULL && napi_delete_reference(t->env, *r) != napi_ok) ok = false;
    *r = NULL;
  }
  if (t->has_async_ctx && napi_async_destroy(t->env, t->async_ctx) != napi_ok) ok = false;
  t->has_async_ctx = false;
  return ok;
}

// Stops polling, closes the fd and drops the references to the slab and callback.
static bool release(TapHandle* t) {
  if (t->closed) return true;
  t->closed = true;
  t->polling = false;
  uv_close((uv_handle_t*)&t->poll, on_uv_closed);  // also stops the poll, synchronously
  // close() on Linux releases the fd even when it reports an error, so there is nothing to retry.
  close(t->fd);
  t->fd = -1;
  return drop_js(t);
}

// A failed N-API call inside a libuv callback has no JS caller to throw to; it goes to
// 'uncaughtException', as an exception from any other I/O callback would.
static void raise_uncaught(napi_env env, const char* what) {
  napi_value ex, code, msg;
  bool pending = false;
  if (napi_is_exception_pending(env, &pending) == napi_ok && pending &&
      napi_get_and_clear_last_exception(env, &ex) == napi_ok && napi_fatal_exception(env, ex) == napi_ok)
    return;
  char text[160];
  snprintf(text, sizeof(text), "ztkube_tap: N-API call failed in the read callback: %s", what);
  if (napi_create_string_utf8(env, "ENAPI", NAPI_AUTO_LENGTH, &code) == napi_ok &&
      napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &msg) == napi_ok &&
      napi_create_error(env, code, msg, &ex) == napi_ok && napi_fatal_exception(env, ex) == napi_ok)
    return;
  napi_fatal_error("ztkube_tap", NAPI_AUTO_LENGTH, text, NAPI_AUTO_LENGTH);
}

static void stop_polling(TapHandle* t) {
  if (!t->polling) return;
  uv_poll_stop(&t->poll);  // cannot fail for an initialised poll handle
  t->polling = false;
}

// Fetches the slab and lengths memory as it is now. NULL when both are usable, else the
// error name to report (TAP_EDETACHED, or "ENAPI" after a failed call).
static const char* fetch_buffers(TapHandle* t, uint8_t** slab, uint32_t** lengths) {
  napi_env env = t->env;
  napi_value slab_v, lengths_v;
  bool detached = true;
  void* p = NULL;
  size_t len = 0;
  if (napi_get_reference_value(env, t->slab_ref, &slab_v) != napi_ok || slab_v == NULL ||
      napi_is_detached_arraybuffer(env, slab_v, &detached) != napi_ok ||
      napi_get_reference_value(env, t->lengths_ref, &lengths_v) != napi_ok || lengths_v == NULL)
    return "ENAPI";
  if (detached) return TAP_EDETACHED;
  if (napi_get_arraybuffer_info(env, slab_v, &p, &len) != napi_ok) return "ENAPI";
  if (p == NULL || len < (size_t)t->batch * t->slot) return TAP_EDETACHED;
  *slab = (uint8_t*)p;
  napi_typedarray_type type;
  napi_value lengths_ab;
  size_t count = 0;
  if (napi_get_typedarray_info(env, lengths_v, &type, &count, &p, &lengths_ab, NULL) != napi_ok ||
      napi_is_detached_arraybuffer(env, lengths_ab, &detached) != napi_ok)
    return "ENAPI";
  // A detached buffer's typed array reports length 0; checked both ways all the same.
  if (detached || p == NULL || count < t->batch) return TAP_EDETACHED;
  *lengths = (uint32_t*)p;
  return NULL;
}

// Calls onRead(count, err_name or null) inside the caller's handle scope.
static void call_js(TapHandle* t, uint32_t count, const char* err_name) {
  napi_env env = t->env;
  napi_value cb, global, argv[2], result;
  if (napi_get_reference_value(env, t->cb_ref, &cb) != napi_ok || cb == NULL || napi_get_global(env, &global) != napi_ok ||
      napi_create_uint32(env, count, &argv[0]) != napi_ok ||
      (err_name ? napi_create_string_utf8(env, err_name, NAPI_AUTO_LENGTH, &argv[1]) : napi_get_null(env, &argv[1])) !=
          napi_ok) {
    stop_polling(t);
    raise_uncaught(env, "building the onRead arguments");
    return;
  }
  // make_callback (not call_function) so microtasks and nextTicks run after it, as for
  // any other I/O callback.
  napi_status st = napi_make_callback(env, t->async_ctx, global, cb, 2, argv, &result);
  if (st == napi_pending_exception) {
    napi_value ex;
    if (napi_get_and_clear_last_exception(env, &ex) == napi_ok && napi_fatal_exception(env, ex) == napi_ok) return;
    raise_uncaught(env, "forwarding an exception from onRead");
  } else if (st != napi_ok) {
    raise_uncaught(env, "napi_make_callback");
  }
}

// Hands out segments of the pending super-frame into slots n… of the batch.
static uint32_t fill_from_plan(TapHandle* t, uint8_t* slab, uint32_t* lengths, uint32_t n) {
  while (t->has_plan && n < t->batch) {
    lengths[n] = (uint32_t)tso_segment(&t->plan, t->plan_next, slab + (size_t)n * t->slot + t->headroom);
    n++;
    t->stats.segments++;
    if (++t->plan_next == t->plan.count) t->has_plan = false;
  }
  return n;
}

// One read with a vnet header. Returns the bytes read into slot `n` (0: nothing usable was
// read, try again) or -1 with errno set. A super-frame becomes the pending plan and its
// first segments fill the batch from slot n on; *n is advanced past what was filled.
static ssize_t read_offloaded(TapHandle* t, uint8_t* slab, uint32_t* lengths, uint32_t* n) {
  uint8_t hdr_bytes[VNET_HDR_BYTES];
  uint8_t* at = slab + (size_t)*n * t->slot + t->headroom;
  size_t cap = t->slot - t->headroom;
  // The first `cap` bytes land in the slot (an ordinary frame is then read in place), the
  // rest of a super-frame right after the same count in scratch.
  struct iovec iov[3] = {{hdr_bytes, VNET_HDR_BYTES}, {at, cap}, {t->scratch + cap, VNET_MAX_FRAME_BYTES}};
  ssize_t r = readv(t->fd, iov, 3);
  if (r < 0) return -1;
  if (r == 0) {
    errno = EIO;
    return -1;
  }
  if (r < VNET_HDR_BYTES) {
    t->stats.malformed++;
    return 0;
  }
  size_t len = (size_t)r - VNET_HDR_BYTES;
  VnetHdr h;
  vnet_hdr_read(hdr_bytes, &h);
  if (h.gso_type == VNET_GSO_NONE) {
    if (len == 0 || len > cap || ((h.flags & VNET_F_NEEDS_CSUM) && vnet_complete_checksum(at, len, &h) < 0)) {
      t->stats.malformed++;
      return 0;
    }
    lengths[(*n)++] = (uint32_t)len;
    return (ssize_t)len;
  }
  memcpy(t->scratch, at, len < cap ? len : cap);
  if (tso_plan(t->scratch, len, &h, &t->plan) < 0 || tso_segment_bytes(&t->plan, 0) > cap) {
    t->stats.malformed++;
    return 0;
  }
  t->stats.super_frames++;
  t->plan_next = 0;
  t->has_plan = true;
  *n = fill_from_plan(t, slab, lengths, *n);
  return (ssize_t)len;
}

// Reads until EAGAIN or a full batch into slots n…; returns the new count, *err_name set
// on a read error.
static uint32_t fill_from_fd(TapHandle* t, uint8_t* slab, uint32_t* lengths, uint32_t n, const char** err_name) {
  while (n < t->batch) {
    ssize_t r;
    if (t->offload) {
      r = read_offloaded(t, slab, lengths, &n);
    } else {
      r = read(t->fd, slab + (size_t)n * t->slot + t->headroom, t->slot - t->headroom);
      if (r > 0) lengths[n++] = (uint32_t)r;
      else if (r == 0) errno = EIO;
    }
    if (r > 0 || (r == 0 && t->offload)) continue;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) *err_name = errno_name(errno);  // e.g. EBADFD when the device was deleted under us
    break;
  }
  return n;
}

static void on_readable(uv_poll_t* h, int status, int /*events*/) {
  TapHandle* t = (TapHandle*)h->data;
  if (t->closed) return;
  napi_handle_scope scope;
  if (napi_open_handle_scope(t->env, &scope) != napi_ok) {
    stop_polling(t);  // without a scope no JS can be told; at least do not spin on the fd
    raise_uncaught(t->env, "napi_open_handle_scope");
    return;
  }
  // One batch from the fd; then, only while a super-frame's segments remain, more batches
  // of those alone (the slab is ours again once onRead returns), so that a pending plan
  // never waits for the fd to become readable again.
  for (bool first = true;; first = false) {
    uint32_t n = 0;
    const char* err_name = status < 0 ? errno_name(-status) : NULL;
    uint8_t* slab = NULL;
    uint32_t* lengths = NULL;
    if (err_name == NULL) err_name = fetch_buffers(t, &slab, &lengths);
    if (err_name == NULL) {
      n = fill_from_plan(t, slab, lengths, 0);
      if (first) n = fill_from_fd(t, slab, lengths, n, &err_name);
    }
    if (err_name) stop_polling(t);
    if (n > 0 || err_name) call_js(t, n, err_name);
    if (err_name || t->closed || !t->has_plan) break;
  }
  napi_close_handle_scope(t->env, scope);  // fails only for a scope that is not the innermost, which it is
}

// Undoes a handle that was never handed to JS.
static void abandon(TapHandle* t, bool poll_inited) {
  // Nothing to report to here: the caller already reports the first failure.
  drop_js(t);
  if (!poll_inited) {
    free(t->scratch);
    free(t->coalesce);
    free(t);
    return;
  }
  t->closed = true;
  t->finalized = true;  // no JS wrapper will ever own it; on_uv_closed frees it
  uv_close((uv_handle_t*)&t->poll, on_uv_closed);
}

int tap_handle_new(napi_env env, int fd, bool offload, uint32_t batch, uint32_t slot, uint32_t headroom,
                   napi_value slab_v, napi_value lengths_v, napi_value cb_v, TapHandle** out, const char** step) {
  *out = NULL;
  *step = "calloc";
  TapHandle* t = (TapHandle*)calloc(1, sizeof(TapHandle));
  if (!t) return ENOMEM;
  t->offload = offload;
  if (offload) {
    t->scratch = (uint8_t*)malloc((size_t)slot + VNET_MAX_FRAME_BYTES);
    t->coalesce = (uint8_t*)malloc(VNET_HDR_BYTES + VNET_MAX_FRAME_BYTES);
    if (!t->scratch || !t->coalesce) {
      free(t->scratch);
      free(t->coalesce);
      free(t);
      return ENOMEM;
    }
  }
  t->env = env;
  t->fd = fd;
  t->batch = batch;
  t->slot = slot;
  t->headroom = headroom;
  uv_loop_t* loop = NULL;
  *step = "napi_get_uv_event_loop";
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == NULL) {
    abandon(t, false);
    return -1;
  }
  *step = "uv_poll_init";
  int r = tap_test_fail(*step) ? UV_ENOMEM : uv_poll_init(loop, &t->poll, fd);
  if (r != 0) {
    abandon(t, false);  // a failed uv_poll_init leaves nothing in the loop
    return -r;
  }
  t->poll.data = t;
  napi_value resource_name;
  *step = "napi_async_init";
  if (tap_test_fail(*step) || napi_create_string_utf8(env, "ztkube.tap", NAPI_AUTO_LENGTH, &resource_name) != napi_ok ||
      napi_async_init(env, NULL, resource_name, &t->async_ctx) != napi_ok) {
    abandon(t, true);
    return -1;
  }
  t->has_async_ctx = true;
  struct {
    const char* step;
    napi_value v;
    napi_ref* ref;
  } refs[] = {{"ref_slab", slab_v, &t->slab_ref},
              {"ref_lengths", lengths_v, &t->lengths_ref},
              {"ref_callback", cb_v, &t->cb_ref}};
  for (auto& ref : refs) {
    *step = ref.step;
    if (tap_test_fail(ref.step) || napi_create_reference(env, ref.v, 1, ref.ref) != napi_ok) {
      *ref.ref = NULL;
      abandon(t, true);
      return -1;
    }
  }
  *out = t;
  return 0;
}

int tap_handle_set_reading(TapHandle* t, bool on) {
  if (t->closed) return EBADF;
  if (on == t->polling) return 0;
  int r = on ? uv_poll_start(&t->poll, UV_READABLE, on_readable) : uv_poll_stop(&t->poll);
  if (r < 0) return -r;
  t->polling = on;
  return 0;
}

int tap_handle_write(TapHandle* t, const uint8_t* data, size_t len, bool* dropped) {
  *dropped = false;
  if (t->closed) return EBADF;
  // With IFF_VNET_HDR a frame goes in behind an all-zero header: no segmentation, and the
  // checksums are the sender's, for the kernel to verify as on any other link.
  static const uint8_t no_offload[VNET_HDR_BYTES] = {0};
  struct iovec iov[2] = {{(void*)no_offload, VNET_HDR_BYTES}, {(void*)data, len}};
  for (;;) {
    ssize_t r = t->offload ? writev(t->fd, iov, 2) : write(t->fd, data, len);
    if (r >= 0) return 0;  // a TAP write takes the whole frame or nothing
    if (errno == EINTR) continue;
    // EIO: the interface is down, so the frame is lost as on an unplugged wire.
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS || errno == EIO) {
      *dropped = true;
      return 0;
    }
    return errno;
  }
}

// A write of `len` bytes that already begin with their vnet header.
static int write_raw(TapHandle* t, const uint8_t* data, size_t len, bool* dropped) {
  *dropped = false;
  for (;;) {
    ssize_t r = write(t->fd, data, len);
    if (r >= 0) return 0;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS || errno == EIO) {
      *dropped = true;
      return 0;
    }
    return errno;
  }
}

int tap_handle_write_frames(TapHandle* t, const uint8_t* slab, size_t slot, const uint32_t* lengths, uint32_t count,
                            uint32_t* written) {
  *written = 0;
  if (t->closed) return EBADF;
  TcpSegment run[TCP_RUN_MAX_SEGMENTS];
  uint32_t i = 0;
  while (i < count) {
    const uint8_t* f = slab + (size_t)i * slot;
    bool dropped = false;
    uint32_t k = t->offload ? tcp_run(f, slot, lengths + i, count - i, run) : 1;
    int err;
    if (k >= 2) {
      size_t n = tcp_coalesce(run, k, t->coalesce);
      err = write_raw(t, t->coalesce, n, &dropped);
      if (!err) t->stats.coalesced_writes++, t->stats.coalesced_segments += k;
    } else {
      err = tap_handle_write(t, f, lengths[i], &dropped);
    }
    if (err) return err;
    if (!dropped) *written += k;
    i += k;
  }
  return 0;
}

bool tap_handle_close(TapHandle* t) { return release(t); }

bool tap_handle_closed(const TapHandle* t) { return t->closed; }

const TapOffloadStats* tap_handle_stats(const TapHandle* t) { return &t->stats; }

void tap_handle_finalize(TapHandle* t) {
  t->finalized = true;
  // Only reached open when JS dropped an open tap (or at exit); a finalizer has nobody to
  // report a failed reference release to.
  if (!t->closed) release(t);
  free_if_done(t);
}
