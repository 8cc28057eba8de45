#ifndef CLibCrypto_SHIM_H
#define CLibCrypto_SHIM_H
// OpenSSL's libcrypto, for its SHA-256 (which uses the CPU's SHA extensions where present).
// Debian's libpq-dev depends on libssl-dev, so it is there wherever libpq is.
//
// The low-level SHA256_Init/Update/Final calls, which OpenSSL 3 marks deprecated in favour of
// EVP: EVP's first use loads the provider machinery (about 2 MiB of resident memory, measured
// at the edge) to reach the same hashing code. They remain part of OpenSSL 3's API.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>
#endif
