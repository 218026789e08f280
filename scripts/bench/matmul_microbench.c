// One `sq_matmul_rows` call on one thread, best of N: the kernel alone, without the model around it.
//
// The shared 2-core machines are noisy; the best of many short runs is the figure that moves least, so two
// builds compared this way (`scripts/bench/matmul-microbench OLD_SOURCES NEW_SOURCES`) show a kernel change
// the end-to-end `sequitur bench` figures hide in their spread. The weights are random Q4_1 blocks (the default
// model's type); the checksum must agree between builds (the kernels' results are bitwise fixed).
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "CSequiturKernels.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void *aligned(size_t bytes) { return aligned_alloc(64, (bytes + 63) / 64 * 64); }

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s N K M [REPEATS]  (activation rows, columns, weight rows; K a multiple of 32)\n", argv[0]);
        return 2;
    }
    size_t n = strtoul(argv[1], NULL, 10), k = strtoul(argv[2], NULL, 10), m = strtoul(argv[3], NULL, 10);
    int repeats = argc > 4 ? atoi(argv[4]) : 20;
    if (n == 0 || m == 0 || k == 0 || k % 32 != 0 || repeats < 1) {
        fprintf(stderr, "N, M and REPEATS must be positive and K a positive multiple of 32\n");
        return 2;
    }
    size_t row_bytes = k / 32 * 20;
    uint8_t *w = malloc(row_bytes * m);
    srand(1);
    for (size_t i = 0; i < row_bytes * m; i++) w[i] = (uint8_t)rand();
    // Scale 2^-4 and minimum -2^-6 (float16 bits) in every block, so no block holds a NaN or an infinity.
    const uint16_t d = 0x2c00, minimum = 0xa800;
    for (size_t r = 0; r < m; r++)
        for (size_t b = 0; b < k / 32; b++) {
            memcpy(w + r * row_bytes + b * 20, &d, 2);
            memcpy(w + r * row_bytes + b * 20 + 2, &minimum, 2);
        }
    float *x = aligned(n * k * sizeof(float)), *out = aligned(n * m * sizeof(float));
    for (size_t i = 0; i < n * k; i++) x[i] = (float)(rand() % 2001 - 1000) / 1000.0f;
    float *scratch = aligned(sq_matmul_scratch_floats(n, k) * sizeof(float));
    int level = sq_cpu_kernel_level();
    double best = 1e30;
    for (int r = 0; r < repeats; r++) {
        double t = now();
        sq_matmul_rows(x, n, k, w, SQ_TYPE_Q4_1, row_bytes, 0, m, out, m, scratch, level);
        t = now() - t;
        if (t < best) best = t;
    }
    double checksum = 0;
    for (size_t i = 0; i < n * m; i++) checksum += out[i];
    printf("n=%zu k=%zu m=%zu kernels=%d best %.3f ms %.1f GFLOP/s checksum %.6f\n", n, k, m, level, best * 1e3,
           2.0 * (double)(n * k * m) / best / 1e9, checksum);
    return 0;
}
