// What the machine can do at most, for `sequitur bench` to set its figures beside: a STREAM-style copy (memory
// bandwidth, the bound of decoding) and a loop of independent FMAs (arithmetic peak, the bound of scoring).
#include "CSequiturKernels.h"
#include "kernels_common.h"

// MARK: copy

static void copy_portable(const float *src, float *dst, size_t count) {
    for (size_t i = 0; i < count; i++) dst[i] = src[i];
}

#if SQ_X86
static SQ_AVX2 void copy_avx2(const float *src, float *dst, size_t count) {
    size_t i = 0;
    for (; i + 32 <= count; i += 32)
        for (int v = 0; v < 4; v++) _mm256_storeu_ps(dst + i + 8 * v, _mm256_loadu_ps(src + i + 8 * v));
    for (; i < count; i++) dst[i] = src[i];
}

static SQ_AVX512 void copy_avx512(const float *src, float *dst, size_t count) {
    size_t i = 0;
    for (; i + 64 <= count; i += 64)
        for (int v = 0; v < 4; v++) _mm512_storeu_ps(dst + i + 16 * v, _mm512_loadu_ps(src + i + 16 * v));
    for (; i < count; i++) dst[i] = src[i];
}
#endif

void sq_limits_copy(const float *src, float *dst, size_t count, int use_simd) {
#if SQ_X86
    if (use_simd >= SQ_KERNELS_AVX512) { copy_avx512(src, dst, count); return; }
    if (use_simd >= SQ_KERNELS_AVX2) { copy_avx2(src, dst, count); return; }
#endif
    (void)use_simd;
    copy_portable(src, dst, count);
}

// MARK: FMA

// Twelve independent chains: more than the latency × throughput of two FMA pipes (4 cycles × 2) on the CPUs
// these machines have, so the loop is bound by the FMA units, not by the chains' latency.
enum { CHAINS = 12 };

static float fma_portable(size_t iterations, float seed, size_t *flops) {
    float a[CHAINS];
    for (int c = 0; c < CHAINS; c++) a[c] = seed + (float)c;
    const float x = 0.999999f, y = 1e-7f;
    for (size_t i = 0; i < iterations; i++)
        for (int c = 0; c < CHAINS; c++) a[c] = fmaf(a[c], x, y);
    float sum = 0;
    for (int c = 0; c < CHAINS; c++) sum += a[c];
    *flops = 2 * CHAINS * iterations;
    return sum;
}

#if SQ_X86
static SQ_AVX2 float fma_avx2(size_t iterations, float seed, size_t *flops) {
    __m256 a[CHAINS];
    for (int c = 0; c < CHAINS; c++) a[c] = _mm256_set1_ps(seed + (float)c);
    const __m256 x = _mm256_set1_ps(0.999999f), y = _mm256_set1_ps(1e-7f);
    for (size_t i = 0; i < iterations; i++) {
        _Pragma("clang loop unroll(full)")
        for (int c = 0; c < CHAINS; c++) a[c] = _mm256_fmadd_ps(a[c], x, y);
    }
    __m256 sum = a[0];
    for (int c = 1; c < CHAINS; c++) sum = _mm256_add_ps(sum, a[c]);
    *flops = 2 * 8 * CHAINS * iterations;
    return sq_reduce_m256(sum);
}

static SQ_AVX512 float fma_avx512(size_t iterations, float seed, size_t *flops) {
    __m512 a[CHAINS];
    for (int c = 0; c < CHAINS; c++) a[c] = _mm512_set1_ps(seed + (float)c);
    const __m512 x = _mm512_set1_ps(0.999999f), y = _mm512_set1_ps(1e-7f);
    for (size_t i = 0; i < iterations; i++) {
        _Pragma("clang loop unroll(full)")
        for (int c = 0; c < CHAINS; c++) a[c] = _mm512_fmadd_ps(a[c], x, y);
    }
    __m512 sum = a[0];
    for (int c = 1; c < CHAINS; c++) sum = _mm512_add_ps(sum, a[c]);
    *flops = 2 * 16 * CHAINS * iterations;
    return _mm512_reduce_add_ps(sum);
}
#endif

float sq_limits_fma(size_t iterations, float seed, int use_simd, size_t *flops) {
#if SQ_X86
    if (use_simd >= SQ_KERNELS_AVX512) return fma_avx512(iterations, seed, flops);
    if (use_simd >= SQ_KERNELS_AVX2) return fma_avx2(iterations, seed, flops);
#endif
    (void)use_simd;
    return fma_portable(iterations, seed, flops);
}
