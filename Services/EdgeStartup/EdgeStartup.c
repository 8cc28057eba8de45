#include <malloc.h>
#include "EdgeStartup.h"

// Makes every thread allocate from glibc's one main arena. By default glibc gives threads
// arenas of their own (up to 8 per core), each keeping its own freed pages; under load the
// edge's event-loop and task threads grew the process by several MiB that way (docs/edge.md,
// Memory). Threads keep their lock-free per-thread caches (tcache), and predicting a sample
// allocates nothing. A constructor, because Swift's async main already runs on a thread of
// its own: called from Swift, the limit would come after that thread took a second arena.
__attribute__((constructor)) static void lifelong_edge_use_one_malloc_arena(void) {
    mallopt(M_ARENA_MAX, 1);
}
