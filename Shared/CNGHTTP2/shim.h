#ifndef CNGHTTP2_SHIM_H
#define CNGHTTP2_SHIM_H
#include <nghttp2/nghttp2.h>
#include <dlfcn.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The protective options below appeared in different nghttp2 releases and some were
 * backported by distributions, so the version number says little. They are looked up by
 * symbol at run time: each helper returns 1 when the option was set, 0 when the loaded
 * library lacks it.
 */
static inline void *cnghttp2_lookup(const char *name) {
    void *self = dlopen(NULL, RTLD_LAZY);
    if (self == NULL) return NULL;
    void *symbol = dlsym(self, name);
    dlclose(self);
    return symbol;
}

static inline int cnghttp2_option_set_stream_reset_rate_limit(nghttp2_option *option,
                                                              uint64_t burst, uint64_t rate) {
    typedef void (*setter)(nghttp2_option *, uint64_t, uint64_t);
    setter fn = (setter)cnghttp2_lookup("nghttp2_option_set_stream_reset_rate_limit");
    if (fn == NULL) return 0;
    fn(option, burst, rate);
    return 1;
}

static inline int cnghttp2_option_set_max_continuations(nghttp2_option *option, size_t value) {
    typedef void (*setter)(nghttp2_option *, size_t);
    setter fn = (setter)cnghttp2_lookup("nghttp2_option_set_max_continuations");
    if (fn == NULL) return 0;
    fn(option, value);
    return 1;
}

static inline int cnghttp2_option_set_max_settings(nghttp2_option *option, size_t value) {
    typedef void (*setter)(nghttp2_option *, size_t);
    setter fn = (setter)cnghttp2_lookup("nghttp2_option_set_max_settings");
    if (fn == NULL) return 0;
    fn(option, value);
    return 1;
}

static inline int cnghttp2_option_set_max_outbound_ack(nghttp2_option *option, size_t value) {
    typedef void (*setter)(nghttp2_option *, size_t);
    setter fn = (setter)cnghttp2_lookup("nghttp2_option_set_max_outbound_ack");
    if (fn == NULL) return 0;
    fn(option, value);
    return 1;
}
#endif
