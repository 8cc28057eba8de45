#ifndef CSQLite_SHIM_H
#define CSQLite_SHIM_H
#include <sqlite3.h>

/// SQLITE_TRANSIENT (a cast of -1 to a function pointer, which Swift cannot import): SQLite
/// copies bound text and blobs before the bind call returns.
static inline sqlite3_destructor_type lifelong_sqlite_transient(void) { return SQLITE_TRANSIENT; }
#endif
