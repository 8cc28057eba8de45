// Counts heap allocations made by the calling thread, for benchmarks that prove a path
// allocates nothing. Linking this target into an executable replaces malloc, calloc, realloc
// and the aligned allocators with thin forwarders to glibc's own (__libc_*), which count while
// counting is on for the thread. free is not replaced. glibc only; do not link it into a
// service.
#ifndef LIFELONG_ALLOCATION_COUNTER_H
#define LIFELONG_ALLOCATION_COUNTER_H

#include <stdint.h>

/// Starts counting the calling thread's allocations from zero.
void allocation_counter_start(void);

/// Stops counting and returns how many allocations the calling thread made since the start.
uint64_t allocation_counter_stop(void);

/// Whether the replacements are in effect (a static binary or another allocator may bypass them).
int allocation_counter_active(void);

#endif
