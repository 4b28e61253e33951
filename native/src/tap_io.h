// The per-TAP I/O object (see tap_io.cc): batched reads into a JS-owned slab, single-frame
// writes, idempotent close. Only the binding layer uses it.
#ifndef ZTKUBE_TAP_IO_H
#define ZTKUBE_TAP_IO_H

#include <stddef.h>
#include <stdint.h>

#include "napi_util.h"

struct TapHandle;

// The error name onRead reports when the slab or the lengths array no longer has the memory
// it was opened with (detached by transfer/structuredClone, or a resizable buffer shrunk).
#define TAP_EDETACHED "EDETACHED"

// Builds the handle that polls `fd`. Keeps strong references to the slab (an ArrayBuffer of
// at least batch * slot bytes), the lengths Uint32Array (at least batch entries) and the
// callback until close. On success returns 0 and sets *out. On failure the fd is NOT
// closed (the caller owns it) and the return is a positive errno (uv_poll_init) or -1 (an
// N-API call), with *step naming what failed; nothing is left for the caller to free.
// `offload`: the fd was opened with IFF_VNET_HDR (tap_device.h); reads then strip the vnet
// header, complete partial checksums and cut TCP super-frames into segments of the MSS the
// kernel chose, each in its own slot, and writes put an all-zero vnet header in front.
int tap_handle_new(napi_env env, int fd, bool offload, uint32_t batch, uint32_t slot, uint32_t headroom,
                   napi_value slab_v, napi_value lengths_v, napi_value cb_v, TapHandle** out, const char** step);
int tap_handle_set_reading(TapHandle* t, bool on);
// 0 with *dropped=false: written; 0 with *dropped=true: EAGAIN/ENOBUFS/EIO (down); else errno.
int tap_handle_write(TapHandle* t, const uint8_t* data, size_t len, bool* dropped);
// Writes count frames, frame i at slab[i * slot] with lengths[i] bytes; *written = how many
// the device took. With offload, runs of consecutive TCP segments of one flow (checksums
// right, each continuing the one before) go in as one super-frame (tap_offload.h's
// tcp_coalesce), so the kernel's TCP takes them as one GRO packet; anything else is written
// as it is. Errors as for tap_handle_write; frames before a failing write were written.
int tap_handle_write_frames(TapHandle* t, const uint8_t* slab, size_t slot, const uint32_t* lengths, uint32_t count,
                            uint32_t* written);
// Idempotent. False if an N-API reference could not be released (the fd is closed anyway).
bool tap_handle_close(TapHandle* t);
bool tap_handle_closed(const TapHandle* t);

// What the offload read path did so far (all 0 without offload).
struct TapOffloadStats {
  uint64_t super_frames;  // TCP super-frames read
  uint64_t segments;      // frames cut from them
  uint64_t malformed;     // vnet frames dropped: bad header, offsets or gso type
  uint64_t coalesced_writes;    // super-frames written
  uint64_t coalesced_segments;  // frames that went into them
};
const TapOffloadStats* tap_handle_stats(const TapHandle* t);
// The JS wrapper is gone (or was never made): close if open, free once libuv is done too.
void tap_handle_finalize(TapHandle* t);

// Test hook: true when $ZTKUBE_TAP_TEST_FAIL names `step`, so the addon tests can walk every
// failure path of open() (under valgrind in `make check-native`); nothing else reaches them.
bool tap_test_fail(const char* step);

#endif
