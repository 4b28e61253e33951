// The per-TAP I/O object (see tap_io.cc): batched reads into a JS-owned slab, single-frame
// writes, idempotent close. Only the binding layer uses it.
#ifndef ZTKUBE_TAP_IO_H
#define ZTKUBE_TAP_IO_H

#include <stddef.h>
#include <stdint.h>

#include "napi_util.h"

struct TapHandle;

// Takes ownership of `fd`'s polling (not of the fd on failure). Keeps strong references to
// the slab, the lengths array and the callback until close.
TapHandle* tap_handle_new(napi_env env, int fd, uint8_t* slab, uint32_t* lengths, uint32_t batch, uint32_t slot,
                          uint32_t headroom, napi_value slab_v, napi_value lengths_v, napi_value cb_v);
int tap_handle_set_reading(TapHandle* t, bool on);
// 0 with *dropped=false: written; 0 with *dropped=true: EAGAIN/ENOBUFS/EIO (down); else errno.
int tap_handle_write(TapHandle* t, const uint8_t* data, size_t len, bool* dropped);
void tap_handle_close(TapHandle* t);
bool tap_handle_closed(const TapHandle* t);
void tap_handle_finalize(TapHandle* t);

#endif
