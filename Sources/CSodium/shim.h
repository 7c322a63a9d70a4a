#ifndef CSODIUM_SHIM_H
#define CSODIUM_SHIM_H
// libsodium: Argon2id password hashing, secure random bytes, constant-time comparison.
#include <sodium.h>
#endif
