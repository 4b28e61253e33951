// Frame I/O on an open TAP fd, driven by the event loop (spec 06 §8.4, STYLE §4).
//
// Reading: a uv_poll_t watches the fd. On each readable wakeup we read() until EAGAIN or
// until the batch is full, writing frame i at slab[i * slot + headroom] (a JS-owned
// ArrayBuffer) and its length at lengths[i] (a JS-owned Uint32Array), then call the JS
// callback ONCE with (count, errno name or null). No allocation per frame, no threadpool. If the batch
// filled up, libuv's level-triggered poll simply wakes us again on the next loop turn.
//
// Writing: one non-blocking write() per frame. EAGAIN/ENOBUFS (queue full) and EIO (the
// interface is down) mean "dropped", reported as false / a smaller count, never an
// exception: losing a frame is normal for a link.
//
// Lifetime: the struct lives until both the JS wrapper was collected and libuv finished
// closing the poll handle. close() is idempotent and releases the fd and all references.
#include "tap_io.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <uv.h>

#include "napi_util.h"

struct TapHandle {
  napi_env env;
  int fd;
  uv_poll_t poll;
  bool polling;
  bool closed;     // fd closed and references released
  bool uv_closed;  // libuv has finished with `poll`
  bool finalized;  // the JS wrapper was collected
  uint8_t* slab;
  uint32_t* lengths;
  uint32_t batch, slot, headroom;
  napi_ref slab_ref, lengths_ref, cb_ref;
  napi_async_context async_ctx;
};

static void free_if_done(TapHandle* t) {
  if (t->finalized && t->uv_closed) free(t);
}

static void on_uv_closed(uv_handle_t* h) {
  TapHandle* t = (TapHandle*)h->data;
  t->uv_closed = true;
  free_if_done(t);
}

// Stops polling, closes the fd and drops the references to the slab and callback.
static void release(TapHandle* t) {
  if (t->closed) return;
  t->closed = true;
  t->polling = false;
  uv_close((uv_handle_t*)&t->poll, on_uv_closed);  // also stops the poll
  close(t->fd);
  t->fd = -1;
  napi_delete_reference(t->env, t->slab_ref);
  napi_delete_reference(t->env, t->lengths_ref);
  napi_delete_reference(t->env, t->cb_ref);
  napi_async_destroy(t->env, t->async_ctx);
  t->slab = NULL;
  t->lengths = NULL;
}

static void call_js(TapHandle* t, uint32_t count, int err) {
  napi_env env = t->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value cb, global, argv[2], result;
  if (napi_get_reference_value(env, t->cb_ref, &cb) == napi_ok && cb != NULL) {
    napi_get_global(env, &global);
    napi_create_uint32(env, count, &argv[0]);
    if (err) {
      napi_create_string_utf8(env, errno_name(err), NAPI_AUTO_LENGTH, &argv[1]);
    } else {
      napi_get_null(env, &argv[1]);
    }
    // make_callback (not call_function) so microtasks and nextTicks run after it, as for
    // any other I/O callback.
    if (napi_make_callback(env, t->async_ctx, global, cb, 2, argv, &result) == napi_pending_exception) {
      napi_value ex;
      napi_get_and_clear_last_exception(env, &ex);
      napi_fatal_exception(env, ex);  // to process 'uncaughtException', as Node does for I/O
    }
  }
  napi_close_handle_scope(env, scope);
}

static void on_readable(uv_poll_t* h, int status, int /*events*/) {
  TapHandle* t = (TapHandle*)h->data;
  if (t->closed) return;
  uint32_t n = 0;
  int err = status < 0 ? -status : 0;
  while (!err && n < t->batch) {
    uint8_t* at = t->slab + (size_t)n * t->slot + t->headroom;
    ssize_t r = read(t->fd, at, t->slot - t->headroom);
    if (r > 0) {
      t->lengths[n++] = (uint32_t)r;
    } else if (r < 0 && errno == EINTR) {
      continue;
    } else if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      break;
    } else {
      err = r == 0 ? EIO : errno;  // e.g. EBADFD when the device was deleted under us
    }
  }
  if (err) {
    uv_poll_stop(&t->poll);
    t->polling = false;
  }
  if (n > 0 || err) call_js(t, n, err);
}

TapHandle* tap_handle_new(napi_env env, int fd, uint8_t* slab, uint32_t* lengths, uint32_t batch, uint32_t slot,
                          uint32_t headroom, napi_value slab_v, napi_value lengths_v, napi_value cb_v) {
  TapHandle* t = (TapHandle*)calloc(1, sizeof(TapHandle));
  if (!t) return NULL;
  uv_loop_t* loop = NULL;
  napi_value resource_name;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || uv_poll_init(loop, &t->poll, fd) != 0 ||
      napi_create_string_utf8(env, "ztkube.tap", NAPI_AUTO_LENGTH, &resource_name) != napi_ok ||
      napi_async_init(env, NULL, resource_name, &t->async_ctx) != napi_ok) {
    free(t);  // uv_poll_init leaves nothing to close on failure; callers treat NULL as ENOMEM-like
    return NULL;
  }
  t->env = env;
  t->fd = fd;
  t->poll.data = t;
  t->slab = slab;
  t->lengths = lengths;
  t->batch = batch;
  t->slot = slot;
  t->headroom = headroom;
  napi_create_reference(env, slab_v, 1, &t->slab_ref);
  napi_create_reference(env, lengths_v, 1, &t->lengths_ref);
  napi_create_reference(env, cb_v, 1, &t->cb_ref);
  return t;
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
  for (;;) {
    ssize_t r = write(t->fd, data, len);
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

void tap_handle_close(TapHandle* t) { release(t); }

bool tap_handle_closed(const TapHandle* t) { return t->closed; }

void tap_handle_finalize(TapHandle* t) {
  t->finalized = true;
  if (!t->closed) release(t);  // only reached when JS dropped an open tap (or at exit)
  free_if_done(t);
}
