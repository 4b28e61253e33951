// errno value → its symbolic name ("EBUSY"), the `code` of the addon's errors (STYLE §5).
#ifndef ZTKUBE_ERRNO_NAME_H
#define ZTKUBE_ERRNO_NAME_H

// Never NULL: "EUNKNOWN" for a value without a name.
const char* errno_name(int err);

// True when the name comes from our own table rather than the C library (musl, old glibc,
// or ZTKUBE_NO_STRERRORNAME_NP); the fallback check (native/test/) asserts it was compiled in.
bool errno_name_uses_table();

#endif
