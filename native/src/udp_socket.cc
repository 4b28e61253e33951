// ztkube_udp: a UDP socket that moves datagrams in batches (issue #8): recvmmsg into a
// JS-owned slab on each readable wakeup (one JS call per batch, no allocation per datagram)
// and sendmmsg of a batch laid out in a slab. Same lifetime rules as the TAP handle
// (tap_io.cc): strong references until close, pointers re-fetched and checked at every
// wakeup, freed once the JS wrapper is collected and libuv has closed the poll handle.
//
//   open(family 4|6, address, port, batch, slot, slab: ArrayBuffer, lengths: Uint32Array,
//        addrs: Uint8Array(batch * 20), onRead: (count, errno|null) => void) → handle { port }
//   setReading(handle, on) · close(handle)                      close is idempotent
//   send(handle, data, dest20) → boolean                         false = dropped (EAGAIN, ENOBUFS, unreachable…)
//   sendBatch(handle, slab, offsets, lengths, dests, count) → number sent (the rest dropped)
//   setTtl(handle, ttl) · setBufferSizes(handle, rcv, snd)
//
// An address is 20 bytes: [0] family 4 or 6, [1] 0, [2..4) port big-endian, [4..20) the IP
// (IPv4 in [4..8)). Datagram i of a read is at slab[i * slot] with its length in lengths[i]
// and its source in addrs[i * 20 …]; a datagram longer than slot is dropped (MSG_TRUNC).
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "napi_util.h"

#define ADDR_BYTES 20
static const napi_type_tag UDP_TAG = {0x7a746b7562657564ULL, 0x70736f636b657431ULL};

struct UdpHandle {
  napi_env env;
  int fd;
  int family;
  uv_poll_t poll;
  bool polling, closed, uv_closed, finalized, has_async_ctx;
  uint32_t batch, slot;
  napi_ref slab_ref, lengths_ref, addrs_ref, cb_ref;
  napi_async_context async_ctx;
  struct mmsghdr* msgs;
  struct iovec* iov;
  struct sockaddr_storage* from;
  bool no_gso;  // the kernel refused UDP_SEGMENT once: plain datagrams from then on
};

static void free_handle(UdpHandle* u) {
  free(u->msgs);
  free(u->iov);
  free(u->from);
  free(u);
}

static void on_uv_closed(uv_handle_t* h) {
  UdpHandle* u = (UdpHandle*)h->data;
  u->uv_closed = true;
  if (u->finalized) free_handle(u);
}

static void drop_js(UdpHandle* u) {
  napi_ref* refs[] = {&u->slab_ref, &u->lengths_ref, &u->addrs_ref, &u->cb_ref};
  for (napi_ref* r : refs) {
    if (*r) napi_delete_reference(u->env, *r);
    *r = NULL;
  }
  if (u->has_async_ctx) napi_async_destroy(u->env, u->async_ctx);
  u->has_async_ctx = false;
}

static void release(UdpHandle* u) {
  if (u->closed) return;
  u->closed = true;
  u->polling = false;
  uv_close((uv_handle_t*)&u->poll, on_uv_closed);
  close(u->fd);
  u->fd = -1;
  drop_js(u);
}

static void finalize(napi_env, void* data, void*) {
  UdpHandle* u = (UdpHandle*)data;
  u->finalized = true;
  if (!u->closed) release(u);
  if (u->uv_closed) free_handle(u);
}

static UdpHandle* get_handle(napi_env env, napi_value v) {
  napi_valuetype type;
  bool tagged = false;
  void* p = NULL;
  if (napi_typeof(env, v, &type) != napi_ok || type != napi_object ||
      napi_check_object_type_tag(env, v, &UDP_TAG, &tagged) != napi_ok || !tagged || napi_unwrap(env, v, &p) != napi_ok ||
      p == NULL) {
    napi_throw_type_error(env, "EINVAL", "handle must be a UDP handle returned by open");
    return NULL;
  }
  return (UdpHandle*)p;
}

// 20-byte address ↔ sockaddr.
static bool decode_addr(const uint8_t* a, struct sockaddr_storage* ss, socklen_t* len) {
  memset(ss, 0, sizeof(*ss));
  uint16_t port = (uint16_t)((a[2] << 8) | a[3]);
  if (a[0] == 4) {
    struct sockaddr_in* s = (struct sockaddr_in*)ss;
    s->sin_family = AF_INET;
    s->sin_port = htons(port);
    memcpy(&s->sin_addr, a + 4, 4);
    *len = sizeof(*s);
    return true;
  }
  if (a[0] == 6) {
    struct sockaddr_in6* s = (struct sockaddr_in6*)ss;
    s->sin6_family = AF_INET6;
    s->sin6_port = htons(port);
    memcpy(&s->sin6_addr, a + 4, 16);
    *len = sizeof(*s);
    return true;
  }
  return false;
}

static void encode_addr(const struct sockaddr_storage* ss, uint8_t* a) {
  memset(a, 0, ADDR_BYTES);
  if (ss->ss_family == AF_INET) {
    const struct sockaddr_in* s = (const struct sockaddr_in*)ss;
    a[0] = 4;
    uint16_t p = ntohs(s->sin_port);
    a[2] = (uint8_t)(p >> 8);
    a[3] = (uint8_t)p;
    memcpy(a + 4, &s->sin_addr, 4);
  } else if (ss->ss_family == AF_INET6) {
    const struct sockaddr_in6* s = (const struct sockaddr_in6*)ss;
    a[0] = 6;
    uint16_t p = ntohs(s->sin6_port);
    a[2] = (uint8_t)(p >> 8);
    a[3] = (uint8_t)p;
    memcpy(a + 4, &s->sin6_addr, 16);
  }
}

static void raise_uncaught(napi_env env, const char* what) {
  napi_value ex, code, msg;
  bool pending = false;
  if (napi_is_exception_pending(env, &pending) == napi_ok && pending &&
      napi_get_and_clear_last_exception(env, &ex) == napi_ok && napi_fatal_exception(env, ex) == napi_ok)
    return;
  char text[160];
  snprintf(text, sizeof(text), "ztkube_udp: N-API call failed in the read callback: %s", what);
  if (napi_create_string_utf8(env, "ENAPI", NAPI_AUTO_LENGTH, &code) == napi_ok &&
      napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &msg) == napi_ok &&
      napi_create_error(env, code, msg, &ex) == napi_ok && napi_fatal_exception(env, ex) == napi_ok)
    return;
  napi_fatal_error("ztkube_udp", NAPI_AUTO_LENGTH, text, NAPI_AUTO_LENGTH);
}

static void stop_polling(UdpHandle* u) {
  if (!u->polling) return;
  uv_poll_stop(&u->poll);
  u->polling = false;
}

// The JS buffers as they are now, or the error name to report.
static const char* fetch_buffers(UdpHandle* u, uint8_t** slab, uint32_t** lengths, uint8_t** addrs) {
  napi_env env = u->env;
  napi_value slab_v, lengths_v, addrs_v, ab;
  bool detached = true;
  void* p = NULL;
  size_t len = 0;
  napi_typedarray_type type;
  if (napi_get_reference_value(env, u->slab_ref, &slab_v) != napi_ok || slab_v == NULL ||
      napi_is_detached_arraybuffer(env, slab_v, &detached) != napi_ok)
    return "ENAPI";
  if (detached) return "EDETACHED";
  if (napi_get_arraybuffer_info(env, slab_v, &p, &len) != napi_ok) return "ENAPI";
  if (p == NULL || len < (size_t)u->batch * u->slot) return "EDETACHED";
  *slab = (uint8_t*)p;
  if (napi_get_reference_value(env, u->lengths_ref, &lengths_v) != napi_ok || lengths_v == NULL ||
      napi_get_typedarray_info(env, lengths_v, &type, &len, &p, &ab, NULL) != napi_ok ||
      napi_is_detached_arraybuffer(env, ab, &detached) != napi_ok)
    return "ENAPI";
  if (detached || p == NULL || len < u->batch) return "EDETACHED";
  *lengths = (uint32_t*)p;
  if (napi_get_reference_value(env, u->addrs_ref, &addrs_v) != napi_ok || addrs_v == NULL ||
      napi_get_typedarray_info(env, addrs_v, &type, &len, &p, &ab, NULL) != napi_ok ||
      napi_is_detached_arraybuffer(env, ab, &detached) != napi_ok)
    return "ENAPI";
  if (detached || p == NULL || len < (size_t)u->batch * ADDR_BYTES) return "EDETACHED";
  *addrs = (uint8_t*)p;
  return NULL;
}

static void call_js(UdpHandle* u, uint32_t count, const char* err_name) {
  napi_env env = u->env;
  napi_value cb, global, argv[2], result;
  if (napi_get_reference_value(env, u->cb_ref, &cb) != napi_ok || cb == NULL || napi_get_global(env, &global) != napi_ok ||
      napi_create_uint32(env, count, &argv[0]) != napi_ok ||
      (err_name ? napi_create_string_utf8(env, err_name, NAPI_AUTO_LENGTH, &argv[1]) : napi_get_null(env, &argv[1])) !=
          napi_ok) {
    stop_polling(u);
    raise_uncaught(env, "building the onRead arguments");
    return;
  }
  napi_status st = napi_make_callback(env, u->async_ctx, global, cb, 2, argv, &result);
  if (st == napi_pending_exception) {
    napi_value ex;
    if (napi_get_and_clear_last_exception(env, &ex) == napi_ok && napi_fatal_exception(env, ex) == napi_ok) return;
    raise_uncaught(env, "forwarding an exception from onRead");
  } else if (st != napi_ok) {
    raise_uncaught(env, "napi_make_callback");
  }
}

static void on_readable(uv_poll_t* h, int status, int) {
  UdpHandle* u = (UdpHandle*)h->data;
  if (u->closed) return;
  napi_handle_scope scope;
  if (napi_open_handle_scope(u->env, &scope) != napi_ok) {
    stop_polling(u);
    raise_uncaught(u->env, "napi_open_handle_scope");
    return;
  }
  const char* err_name = NULL;
  uint8_t *slab = NULL, *addrs = NULL;
  uint32_t* lengths = NULL;
  uint32_t n = 0;
  if (status < 0) {
    err_name = errno_name(-status);
  } else {
    err_name = fetch_buffers(u, &slab, &lengths, &addrs);
  }
  if (!err_name) {
    for (uint32_t i = 0; i < u->batch; i++) {
      u->iov[i].iov_base = slab + (size_t)i * u->slot;
      u->iov[i].iov_len = u->slot;
      struct msghdr* m = &u->msgs[i].msg_hdr;
      memset(m, 0, sizeof(*m));
      m->msg_name = &u->from[i];
      m->msg_namelen = sizeof(u->from[i]);
      m->msg_iov = &u->iov[i];
      m->msg_iovlen = 1;
    }
    int r;
    do {
      r = recvmmsg(u->fd, u->msgs, u->batch, MSG_DONTWAIT, NULL);
    } while (r < 0 && errno == EINTR);
    if (r < 0) {
      // EAGAIN: a spurious wakeup. ECONNREFUSED and friends (an ICMP error queued on the
      // socket) are not fatal for an unconnected UDP socket: they are consumed by this call.
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ECONNREFUSED && errno != EHOSTUNREACH &&
          errno != ENETUNREACH)
        err_name = errno_name(errno);
    } else {
      for (int i = 0; i < r; i++) {
        if (u->msgs[i].msg_hdr.msg_flags & MSG_TRUNC) continue;  // longer than a slot: dropped
        if (n != (uint32_t)i) memmove(slab + (size_t)n * u->slot, slab + (size_t)i * u->slot, u->msgs[i].msg_len);
        lengths[n] = u->msgs[i].msg_len;
        encode_addr(&u->from[i], addrs + (size_t)n * ADDR_BYTES);
        n++;
      }
    }
  }
  if (err_name) stop_polling(u);
  if (n > 0 || err_name) call_js(u, n, err_name);
  napi_close_handle_scope(u->env, scope);
}

#define ARGS(fn, k)                                                  \
  size_t argc = (k);                                                 \
  napi_value argv[k];                                                \
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL)); \
  if (!arg_count(env, fn, argc, (k))) return NULL;

static bool get_u8(napi_env env, napi_value v, const char* what, size_t need, uint8_t** p) {
  size_t len;
  if (!arg_bytes(env, v, what, p, &len)) return false;
  if (len < need) {
    char msg[120];
    snprintf(msg, sizeof(msg), "%s must hold %zu bytes, got %zu", what, need, len);
    throw_arg_error(env, true, msg);
    return false;
  }
  return true;
}

static napi_value js_open(napi_env env, napi_callback_info info) {
  ARGS("open", 9);
  uint32_t family, port, batch, slot;
  char address[64];
  size_t alen = 0;
  char msg[200];
  if (!arg_uint(env, argv[0], "family", 6, &family)) return NULL;
  if (family != 4 && family != 6) {
    throw_arg_error(env, true, "family must be 4 or 6");
    return NULL;
  }
  if (napi_get_value_string_utf8(env, argv[1], address, sizeof(address), &alen) != napi_ok) {
    throw_arg_error(env, false, "address must be a string");
    return NULL;
  }
  if (!arg_uint(env, argv[2], "port", 65535, &port) || !arg_uint(env, argv[3], "batch", 1024, &batch) ||
      !arg_uint(env, argv[4], "slot", 65536, &slot))
    return NULL;
  if (batch == 0 || slot == 0) {
    throw_arg_error(env, true, "need batch > 0 and slot > 0");
    return NULL;
  }
  bool is_ab = false, detached = false;
  NAPI_OK(env, napi_is_arraybuffer(env, argv[5], &is_ab));
  if (!is_ab) {
    throw_arg_error(env, false, "slab must be an ArrayBuffer");
    return NULL;
  }
  NAPI_OK(env, napi_is_detached_arraybuffer(env, argv[5], &detached));
  void* slab = NULL;
  size_t slab_len = 0;
  NAPI_OK(env, napi_get_arraybuffer_info(env, argv[5], &slab, &slab_len));
  if (detached || slab_len < (size_t)batch * slot) {
    snprintf(msg, sizeof(msg), "slab must hold batch * slot = %zu bytes, got %zu", (size_t)batch * slot, slab_len);
    throw_arg_error(env, true, msg);
    return NULL;
  }
  bool is_typed = false;
  napi_typedarray_type lt;
  size_t lengths_count = 0;
  NAPI_OK(env, napi_is_typedarray(env, argv[6], &is_typed));
  if (!is_typed || napi_get_typedarray_info(env, argv[6], &lt, &lengths_count, NULL, NULL, NULL) != napi_ok ||
      lt != napi_uint32_array) {
    throw_arg_error(env, false, "lengths must be a Uint32Array");
    return NULL;
  }
  if (lengths_count < batch) {
    throw_arg_error(env, true, "lengths must have batch entries");
    return NULL;
  }
  uint8_t* addrs;
  if (!get_u8(env, argv[7], "addrs", (size_t)batch * ADDR_BYTES, &addrs)) return NULL;
  napi_valuetype cbt;
  NAPI_OK(env, napi_typeof(env, argv[8], &cbt));
  if (cbt != napi_function) {
    throw_arg_error(env, false, "onRead must be a function");
    return NULL;
  }
  struct sockaddr_storage ss;
  socklen_t sl;
  uint8_t a[ADDR_BYTES] = {0};
  a[0] = (uint8_t)family;
  a[2] = (uint8_t)(port >> 8);
  a[3] = (uint8_t)port;
  if (inet_pton(family == 4 ? AF_INET : AF_INET6, address, a + 4) != 1) {
    snprintf(msg, sizeof(msg), "address %s is not an IPv%u address", address, family);
    throw_arg_error(env, true, msg);
    return NULL;
  }
  decode_addr(a, &ss, &sl);
  int fd = socket(family == 4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    throw_errno(env, "socket", errno);
    return NULL;
  }
  int one = 1;
  if (family == 6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) != 0) {
    int e = errno;
    close(fd);
    throw_errno(env, "setsockopt IPV6_V6ONLY", e);
    return NULL;
  }
  if (bind(fd, (struct sockaddr*)&ss, sl) != 0) {
    int e = errno;
    close(fd);
    throw_errno(env, "bind", e);
    return NULL;
  }
  struct sockaddr_storage bound;
  socklen_t bl = sizeof(bound);
  getsockname(fd, (struct sockaddr*)&bound, &bl);
  uint8_t ba[ADDR_BYTES];
  encode_addr(&bound, ba);

  UdpHandle* u = (UdpHandle*)calloc(1, sizeof(UdpHandle));
  if (u) {
    u->msgs = (struct mmsghdr*)calloc(batch, sizeof(struct mmsghdr));
    u->iov = (struct iovec*)calloc(batch, sizeof(struct iovec));
    u->from = (struct sockaddr_storage*)calloc(batch, sizeof(struct sockaddr_storage));
  }
  if (!u || !u->msgs || !u->iov || !u->from) {
    if (u) free_handle(u);
    close(fd);
    throw_errno(env, "calloc", ENOMEM);
    return NULL;
  }
  u->env = env;
  u->fd = fd;
  u->family = (int)family;
  u->batch = batch;
  u->slot = slot;
  uv_loop_t* loop = NULL;
  int r = napi_get_uv_event_loop(env, &loop) == napi_ok && loop ? uv_poll_init(loop, &u->poll, fd) : UV_EINVAL;
  if (r != 0) {
    free_handle(u);
    close(fd);
    throw_errno(env, "uv_poll_init", -r);
    return NULL;
  }
  u->poll.data = u;
  napi_value name, obj, port_v;
  bool ok = napi_create_string_utf8(env, "ztkube.udp", NAPI_AUTO_LENGTH, &name) == napi_ok &&
            napi_async_init(env, NULL, name, &u->async_ctx) == napi_ok;
  u->has_async_ctx = ok;
  ok = ok && napi_create_reference(env, argv[5], 1, &u->slab_ref) == napi_ok &&
       napi_create_reference(env, argv[6], 1, &u->lengths_ref) == napi_ok &&
       napi_create_reference(env, argv[7], 1, &u->addrs_ref) == napi_ok &&
       napi_create_reference(env, argv[8], 1, &u->cb_ref) == napi_ok && napi_create_object(env, &obj) == napi_ok &&
       napi_create_uint32(env, (uint32_t)((ba[2] << 8) | ba[3]), &port_v) == napi_ok &&
       napi_set_named_property(env, obj, "port", port_v) == napi_ok && napi_type_tag_object(env, obj, &UDP_TAG) == napi_ok;
  if (!ok || napi_wrap(env, obj, u, finalize, NULL, NULL) != napi_ok) {
    u->finalized = true;  // no wrapper owns it: on_uv_closed frees it
    release(u);
    throw_napi_failure(env, "open");
    return NULL;
  }
  return obj;
}

static napi_value js_set_reading(napi_env env, napi_callback_info info) {
  ARGS("setReading", 2);
  UdpHandle* u = get_handle(env, argv[0]);
  bool on;
  if (!u || !arg_bool(env, argv[1], "on", &on)) return NULL;
  if (u->closed) {
    throw_errno(env, "uv_poll", EBADF);
    return NULL;
  }
  if (on != u->polling) {
    int r = on ? uv_poll_start(&u->poll, UV_READABLE, on_readable) : uv_poll_stop(&u->poll);
    if (r < 0) {
      throw_errno(env, "uv_poll", -r);
      return NULL;
    }
    u->polling = on;
  }
  return NULL;
}

static bool dropped_errno(int e) {
  return e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS || e == ENETUNREACH || e == EHOSTUNREACH || e == ECONNREFUSED ||
         e == EPERM || e == EACCES || e == EADDRNOTAVAIL || e == EMSGSIZE || e == EAFNOSUPPORT || e == EINVAL;
}

static napi_value js_send(napi_env env, napi_callback_info info) {
  ARGS("send", 3);
  UdpHandle* u = get_handle(env, argv[0]);
  uint8_t *data, *dest;
  size_t len;
  if (!u || !arg_bytes(env, argv[1], "data", &data, &len) || !get_u8(env, argv[2], "dest", ADDR_BYTES, &dest)) return NULL;
  if (u->closed) {
    throw_errno(env, "sendto", EBADF);
    return NULL;
  }
  struct sockaddr_storage ss;
  socklen_t sl;
  if (!decode_addr(dest, &ss, &sl)) {
    throw_arg_error(env, true, "dest[0] must be 4 or 6");
    return NULL;
  }
  ssize_t r;
  do {
    r = sendto(u->fd, data, len, MSG_DONTWAIT, (struct sockaddr*)&ss, sl);
  } while (r < 0 && errno == EINTR);
  if (r < 0 && !dropped_errno(errno)) {
    throw_errno(env, "sendto", errno);
    return NULL;
  }
  napi_value out;
  NAPI_OK(env, napi_get_boolean(env, r >= 0, &out));
  return out;
}

#define SEND_CHUNK 64
#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef SOL_UDP
#define SOL_UDP 17
#endif
// Segments per GSO message (the kernel's UDP_MAX_SEGMENTS was 64 before 6.9) and payload bytes.
#define UDP_GSO_MAX_SEGMENTS 64
#define UDP_GSO_MAX_BYTES 65000

static napi_value js_send_batch(napi_env env, napi_callback_info info) {
  ARGS("sendBatch", 6);
  UdpHandle* u = get_handle(env, argv[0]);
  if (!u) return NULL;
  uint8_t *slab, *dests;
  size_t slab_len, n_off, n_len, n_dest;
  uint32_t *offsets, *lengths, count;
  void* p;
  napi_typedarray_type t;
  bool is_typed;
  if (!arg_bytes(env, argv[1], "slab", &slab, &slab_len)) return NULL;
  NAPI_OK(env, napi_is_typedarray(env, argv[2], &is_typed));
  if (!is_typed || napi_get_typedarray_info(env, argv[2], &t, &n_off, &p, NULL, NULL) != napi_ok || t != napi_uint32_array) {
    throw_arg_error(env, false, "offsets must be a Uint32Array");
    return NULL;
  }
  offsets = (uint32_t*)p;
  NAPI_OK(env, napi_is_typedarray(env, argv[3], &is_typed));
  if (!is_typed || napi_get_typedarray_info(env, argv[3], &t, &n_len, &p, NULL, NULL) != napi_ok || t != napi_uint32_array) {
    throw_arg_error(env, false, "lengths must be a Uint32Array");
    return NULL;
  }
  lengths = (uint32_t*)p;
  if (!arg_bytes(env, argv[4], "dests", &dests, &n_dest) || !arg_uint(env, argv[5], "count", UINT32_MAX, &count)) return NULL;
  char msg[160];
  if (n_off < count || n_len < count || n_dest < (size_t)count * ADDR_BYTES) {
    snprintf(msg, sizeof(msg), "offsets, lengths and dests must have count = %u entries", count);
    throw_arg_error(env, true, msg);
    return NULL;
  }
  for (uint32_t i = 0; i < count; i++) {
    if ((uint64_t)offsets[i] + lengths[i] > slab_len) {
      snprintf(msg, sizeof(msg), "datagram %u ends beyond the %zu-byte slab", i, slab_len);
      throw_arg_error(env, true, msg);
      return NULL;
    }
    if (dests[(size_t)i * ADDR_BYTES] != 4 && dests[(size_t)i * ADDR_BYTES] != 6) {
      snprintf(msg, sizeof(msg), "dests[%u] family must be 4 or 6", i);
      throw_arg_error(env, true, msg);
      return NULL;
    }
  }
  if (u->closed) {
    throw_errno(env, "sendmmsg", EBADF);
    return NULL;
  }
  // UDP GSO (issue #8): consecutive datagrams to one destination whose sizes are all equal
  // but the last (no larger) go as one message with UDP_SEGMENT, e.g. a ZeroTier packet's
  // head and its fragment. The kernel takes them through its stack once and cuts them into
  // exactly these datagrams at the device (or in the receiver, over a veth): the same
  // datagrams on the wire, less work per datagram.
  struct mmsghdr msgs[SEND_CHUNK];
  struct iovec iov[SEND_CHUNK];
  struct sockaddr_storage to[SEND_CHUNK];
  uint32_t segs[SEND_CHUNK];
  union {
    char buf[CMSG_SPACE(sizeof(uint16_t))];
    struct cmsghdr align;
  } ctrl[SEND_CHUNK];
  uint32_t sent = 0, i = 0;
  while (i < count) {
    uint32_t d = i, k = 0;  // d: next datagram to place; k: messages built
    while (d < count && d - i < SEND_CHUNK) {
      const uint8_t* dest = dests + (size_t)d * ADDR_BYTES;
      uint32_t n = 1, size = lengths[d];
      size_t total = size;
      while (!u->no_gso && size > 0 && d + n < count && d + n - i < SEND_CHUNK && n < UDP_GSO_MAX_SEGMENTS &&
             lengths[d + n - 1] == size && lengths[d + n] <= size && lengths[d + n] > 0 &&
             total + lengths[d + n] <= UDP_GSO_MAX_BYTES && memcmp(dest, dests + (size_t)(d + n) * ADDR_BYTES, ADDR_BYTES) == 0) {
        total += lengths[d + n];
        n++;
      }
      socklen_t sl;
      decode_addr(dest, &to[k], &sl);
      for (uint32_t s = 0; s < n; s++) {
        iov[d - i + s].iov_base = slab + offsets[d + s];
        iov[d - i + s].iov_len = lengths[d + s];
      }
      memset(&msgs[k], 0, sizeof(msgs[k]));
      msgs[k].msg_hdr.msg_name = &to[k];
      msgs[k].msg_hdr.msg_namelen = sl;
      msgs[k].msg_hdr.msg_iov = &iov[d - i];
      msgs[k].msg_hdr.msg_iovlen = n;
      if (n > 1) {
        memset(ctrl[k].buf, 0, sizeof(ctrl[k].buf));  // the padding after the 2 bytes goes to the kernel too
        msgs[k].msg_hdr.msg_control = ctrl[k].buf;
        msgs[k].msg_hdr.msg_controllen = sizeof(ctrl[k].buf);
        struct cmsghdr* c = CMSG_FIRSTHDR(&msgs[k].msg_hdr);
        c->cmsg_level = SOL_UDP;
        c->cmsg_type = UDP_SEGMENT;
        c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
        uint16_t gso = (uint16_t)size;
        memcpy(CMSG_DATA(c), &gso, sizeof(gso));
      }
      segs[k++] = n;
      d += n;
    }
    int r;
    do {
      r = sendmmsg(u->fd, msgs, k, MSG_DONTWAIT);
    } while (r < 0 && errno == EINTR);
    if (r < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) break;  // queue full: the rest is dropped
      if (segs[0] > 1 && (errno == EINVAL || errno == EIO || errno == EOPNOTSUPP)) {
        u->no_gso = true;  // a kernel or device without UDP GSO: send this chunk again without it
        continue;
      }
      if (!dropped_errno(errno)) {
        throw_errno(env, "sendmmsg", errno);
        return NULL;
      }
      i += segs[0];  // these cannot go (unreachable, wrong family…); skip them
      continue;
    }
    for (int m = 0; m < r; m++) {
      sent += segs[m];
      i += segs[m];
    }
  }
  napi_value out;
  NAPI_OK(env, napi_create_uint32(env, sent, &out));
  return out;
}

static napi_value js_set_ttl(napi_env env, napi_callback_info info) {
  ARGS("setTtl", 2);
  UdpHandle* u = get_handle(env, argv[0]);
  uint32_t ttl;
  if (!u || !arg_uint(env, argv[1], "ttl", 255, &ttl)) return NULL;
  int v = (int)ttl;
  int r = u->family == 4 ? setsockopt(u->fd, IPPROTO_IP, IP_TTL, &v, sizeof(v))
                         : setsockopt(u->fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &v, sizeof(v));
  if (u->closed || r != 0) throw_errno(env, "setsockopt TTL", u->closed ? EBADF : errno);
  return NULL;
}

static napi_value js_set_buffer_sizes(napi_env env, napi_callback_info info) {
  ARGS("setBufferSizes", 3);
  UdpHandle* u = get_handle(env, argv[0]);
  uint32_t rcv, snd;
  if (!u || !arg_uint(env, argv[1], "rcv", INT32_MAX, &rcv) || !arg_uint(env, argv[2], "snd", INT32_MAX, &snd)) return NULL;
  int a = (int)rcv, b = (int)snd;
  if (u->closed || setsockopt(u->fd, SOL_SOCKET, SO_RCVBUF, &a, sizeof(a)) != 0 ||
      setsockopt(u->fd, SOL_SOCKET, SO_SNDBUF, &b, sizeof(b)) != 0)
    throw_errno(env, "setsockopt SO_RCVBUF/SO_SNDBUF", u->closed ? EBADF : errno);
  return NULL;
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  ARGS("close", 1);
  UdpHandle* u = get_handle(env, argv[0]);
  if (u) release(u);
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"open", NULL, js_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setReading", NULL, js_set_reading, NULL, NULL, NULL, napi_enumerable, NULL},
      {"send", NULL, js_send, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sendBatch", NULL, js_send_batch, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setTtl", NULL, js_set_ttl, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setBufferSizes", NULL, js_set_buffer_sizes, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props) != napi_ok) return NULL;
  return exports;
}
