// errno names for the addon's errors. glibc has strerrorname_np since 2.32; musl (Alpine) and
// older glibc do not, so there we name the errnos that /dev/net/tun, the SIOCxIF ioctls,
// read/write and libuv's poll can give, and call the rest EUNKNOWN (the message still
// carries strerror's text). Defining ZTKUBE_NO_STRERRORNAME_NP forces the table on glibc,
// which is how `make check-native` proves it compiles and agrees with glibc's names.
#include "errno_name.h"

#include <errno.h>
#include <string.h>

#if !defined(ZTKUBE_NO_STRERRORNAME_NP) && defined(__GLIBC__) && \
    (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
#define ZTKUBE_HAVE_STRERRORNAME_NP 1
#endif

#ifdef ZTKUBE_HAVE_STRERRORNAME_NP

const char* errno_name(int err) {
  const char* n = strerrorname_np(err);
  return n ? n : "EUNKNOWN";
}

bool errno_name_uses_table() { return false; }

#else

const char* errno_name(int err) {
  switch (err) {
#define ZTKUBE_ERRNO(e) \
  case e:               \
    return #e;
    ZTKUBE_ERRNO(EPERM)
    ZTKUBE_ERRNO(ENOENT)
    ZTKUBE_ERRNO(ESRCH)
    ZTKUBE_ERRNO(EINTR)
    ZTKUBE_ERRNO(EIO)
    ZTKUBE_ERRNO(ENXIO)
    ZTKUBE_ERRNO(EBADF)
    ZTKUBE_ERRNO(EAGAIN)  // = EWOULDBLOCK on Linux, so that one has no case of its own
    ZTKUBE_ERRNO(ENOMEM)
    ZTKUBE_ERRNO(EACCES)
    ZTKUBE_ERRNO(EFAULT)
    ZTKUBE_ERRNO(EBUSY)
    ZTKUBE_ERRNO(EEXIST)
    ZTKUBE_ERRNO(ENODEV)
    ZTKUBE_ERRNO(ENOTDIR)
    ZTKUBE_ERRNO(EINVAL)
    ZTKUBE_ERRNO(ENFILE)
    ZTKUBE_ERRNO(EMFILE)
    ZTKUBE_ERRNO(ENOTTY)
    ZTKUBE_ERRNO(ENOSPC)
    ZTKUBE_ERRNO(EROFS)
    ZTKUBE_ERRNO(EPIPE)
    ZTKUBE_ERRNO(ERANGE)
    ZTKUBE_ERRNO(ENAMETOOLONG)
    ZTKUBE_ERRNO(ENOSYS)
    ZTKUBE_ERRNO(ELOOP)
    ZTKUBE_ERRNO(EBADFD)
    ZTKUBE_ERRNO(ENOTSOCK)
    ZTKUBE_ERRNO(EMSGSIZE)
    ZTKUBE_ERRNO(EPROTONOSUPPORT)
    ZTKUBE_ERRNO(EOPNOTSUPP)  // = ENOTSUP on Linux
    ZTKUBE_ERRNO(EAFNOSUPPORT)
    ZTKUBE_ERRNO(EADDRINUSE)
    ZTKUBE_ERRNO(EADDRNOTAVAIL)
    ZTKUBE_ERRNO(ENETDOWN)
    ZTKUBE_ERRNO(ENETUNREACH)
    ZTKUBE_ERRNO(ENOBUFS)
    ZTKUBE_ERRNO(ETIMEDOUT)
#undef ZTKUBE_ERRNO
    default:
      return "EUNKNOWN";
  }
}

bool errno_name_uses_table() { return true; }

#endif
