/*
 * tl2cgen side of `make bench-learning`'s single-row prediction: loads the shared library
 * tl2cgen built from our trees (scripts/learning/tl2cgen_bench.py) and times `predict` one row
 * at a time, from C, the way learning-benchmark times ours:
 *   - every call timed on its own with CLOCK_MONOTONIC (p50, p99), rows taken in turn from the
 *     held-out set, the output buffer reused;
 *   - a tight loop of the same calls without clock reads (mean).
 * A call is "a row of floats in, probabilities out", as ours is: it fills tl2cgen's Entry
 * array (NaN -> missing), zeroes the result and asks for transformed output (softmax /
 * sigmoid).
 * Before timing, every held-out row is predicted once and compared with our probabilities.
 * Prints key=value lines.
 *
 * usage: tl2cgen_single_row LIB.so DATA_DIR OURS_PROBABILITIES.f32 ROWS FEATURES [CALLS]
 * build: cc -O2 -o tl2cgen_single_row tl2cgen_single_row.c -ldl
 */
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The layout of tl2cgen's generated header.h. */
union Entry {
    int missing;
    float fvalue;
    int qvalue;
};

typedef void (*predict_fn)(union Entry *data, int pred_margin, float *result);
typedef int32_t (*num_target_fn)(void);
typedef void (*num_class_fn)(int32_t *out);

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static float *read_floats(const char *path, size_t count) {
    FILE *file = fopen(path, "rb");
    if (!file) {
        fprintf(stderr, "tl2cgen_single_row: cannot open %s\n", path);
        exit(1);
    }
    float *values = malloc(count * sizeof(float));
    if (!values || fread(values, sizeof(float), count, file) != count) {
        fprintf(stderr, "tl2cgen_single_row: %s holds fewer than %zu floats\n", path, count);
        exit(1);
    }
    fclose(file);
    return values;
}

/* One prediction as a caller does it: tl2cgen's `predict` adds the trees to `result`, so the
 * result starts at zero; its input is an Entry per feature, with NaN marked missing. */
static void predict_row(predict_fn predict, union Entry *entries, const float *row, int features, float *result,
                        int outputs) {
    for (int f = 0; f < features; ++f) {
        if (isnan(row[f])) {
            entries[f].missing = -1;
        } else {
            entries[f].fvalue = row[f];
        }
    }
    memset(result, 0, (size_t)outputs * sizeof(float));
    predict(entries, 0, result);
}

static int compare_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static int argmax(const float *values, int count) {
    int best = 0;
    for (int k = 1; k < count; ++k) {
        if (values[k] > values[best]) best = k;
    }
    return best;
}

int main(int argc, char **argv) {
    if (argc < 6) {
        fprintf(stderr, "usage: %s LIB.so DATA_DIR OURS_PROBABILITIES.f32 ROWS FEATURES [CALLS]\n", argv[0]);
        return 2;
    }
    const char *library = argv[1], *data = argv[2], *ours_path = argv[3];
    size_t rows = strtoul(argv[4], NULL, 10);
    int features = atoi(argv[5]);
    size_t calls = argc > 6 ? strtoul(argv[6], NULL, 10) : 20000;

    void *handle = dlopen(library, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        fprintf(stderr, "tl2cgen_single_row: %s\n", dlerror());
        return 1;
    }
    predict_fn predict = (predict_fn)dlsym(handle, "predict");
    num_target_fn num_target = (num_target_fn)dlsym(handle, "get_num_target");
    num_class_fn num_class = (num_class_fn)dlsym(handle, "get_num_class");
    if (!predict || !num_target || !num_class || num_target() != 1) {
        fprintf(stderr, "tl2cgen_single_row: %s is not a single-target tl2cgen predictor\n", library);
        return 1;
    }
    int32_t classes = 0;
    num_class(&classes);

    char path[4096];
    snprintf(path, sizeof path, "%s/test_x.f32", data);
    float *x = read_floats(path, rows * (size_t)features);
    /* Ours writes one probability per class (two for a binary model); tl2cgen one per class of a
     * multiclass model, one (the positive class) otherwise. */
    int ours_outputs = classes > 1 ? classes : 2;
    float *ours = read_floats(ours_path, rows * (size_t)ours_outputs);

    union Entry *entries = malloc((size_t)features * sizeof(union Entry));
    float *result = calloc((size_t)classes, sizeof(float));
    double max_diff = 0;
    size_t agree = 0;
    for (size_t r = 0; r < rows; ++r) {
        predict_row(predict, entries, x + r * features, features, result, classes);
        const float *mine = ours + r * ours_outputs;
        if (classes > 1) {
            for (int k = 0; k < classes; ++k) max_diff = fmax(max_diff, fabs((double)result[k] - mine[k]));
            agree += argmax(result, classes) == argmax(mine, classes);
        } else {
            max_diff = fmax(max_diff, fabs((double)result[0] - mine[1]));
            agree += (result[0] > 0.5f) == (mine[1] > mine[0]);
        }
    }

    uint64_t *singles = malloc(calls * sizeof(uint64_t));
    for (size_t i = 0; i < calls; ++i) {
        const float *row = x + (i % rows) * features;
        uint64_t t0 = now_ns();
        predict_row(predict, entries, row, features, result, classes);
        singles[i] = now_ns() - t0;
    }
    qsort(singles, calls, sizeof(uint64_t), compare_u64);

    volatile float sink = 0;
    uint64_t tight_start = now_ns();
    for (size_t i = 0; i < calls; ++i) {
        predict_row(predict, entries, x + (i % rows) * features, features, result, classes);
        sink += result[0];
    }
    double tight_mean = (double)(now_ns() - tight_start) / (double)calls;

    printf("source=our_trees\n");
    printf("predict_p50_ns=%llu\n", (unsigned long long)singles[calls / 2]);
    printf("predict_p99_ns=%llu\n", (unsigned long long)singles[(size_t)((double)(calls - 1) * 0.99)]);
    printf("predict_mean_ns_tight_loop=%.1f\n", tight_mean);
    printf("calls=%zu\n", calls);
    printf("checked_rows=%zu\n", rows);
    printf("max_abs_diff_vs_ours=%g\n", max_diff);
    printf("argmax_agreement=%.6f\n", (double)agree / (double)rows);
    free(singles);
    free(result);
    free(entries);
    free(ours);
    free(x);
    dlclose(handle);
    return 0;
}
