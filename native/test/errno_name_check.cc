// Checks the errno-name fallback table (src/errno_name.cc built with
// -DZTKUBE_NO_STRERRORNAME_NP): it was really compiled in, it names every errno the addon
// reports, and on glibc each name it gives equals strerrorname_np's. Prints one JSON line;
// exit 1 on any mismatch. Built and run by `make check-native` and the addon tests.
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../src/errno_name.h"

int main() {
  int bad = 0, named = 0, compared = 0;
  if (!errno_name_uses_table()) {
    printf("{\"ok\":false,\"why\":\"built without the fallback table\"}\n");
    return 1;
  }
  // The errnos the addon itself produces or passes on (tap_device.cc, tap_io.cc, binding.cc).
  const int needed[] = {EPERM, EACCES, ENOENT, ENODEV, EBUSY, EINVAL, EBADF, EBADFD, EIO, EAGAIN, ENOBUFS, ENOMEM, ENXIO};
  for (int e : needed) {
    if (strcmp(errno_name(e), "EUNKNOWN") == 0) {
      printf("{\"ok\":false,\"why\":\"errno %d has no name in the table\"}\n", e);
      return 1;
    }
  }
  for (int e = 0; e < 200; e++) {
    const char* ours = errno_name(e);
    if (strcmp(ours, "EUNKNOWN") == 0) continue;
    named++;
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
    const char* libc = strerrorname_np(e);
    compared++;
    if (!libc || strcmp(libc, ours) != 0) {
      fprintf(stderr, "errno %d: table says %s, glibc says %s\n", e, ours, libc ? libc : "(null)");
      bad++;
    }
#endif
  }
  printf("{\"ok\":%s,\"named\":%d,\"comparedWithGlibc\":%d,\"mismatches\":%d}\n", bad ? "false" : "true", named,
         compared, bad);
  return bad ? 1 : 0;
}
