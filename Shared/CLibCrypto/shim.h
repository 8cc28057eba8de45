#ifndef CLibCrypto_SHIM_H
#define CLibCrypto_SHIM_H
// OpenSSL's libcrypto, for its SHA-256 (which uses the CPU's SHA extensions where present).
// Debian's libpq-dev depends on libssl-dev, so it is there wherever libpq is.
#include <openssl/evp.h>
#endif
