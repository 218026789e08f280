// Log-softmax of one row: its statistics, its normalised entries and its top k, with one summation order on
// every path (see the header), so portable, AVX2 and AVX-512 agree bitwise.
#pragma STDC FP_CONTRACT OFF
#include "CSequiturKernels.h"
#include "kernels_common.h"
#include "exp_kernel.h"

// MARK: maximum, argmax, NaN

/// The row's largest non-NaN entry (-inf when there is none) and whether any entry is NaN.
static void maximum_portable(const float *row, size_t count, float *maximum, int *has_nan) {
    float m = -INFINITY;
    int nan = 0;
    for (size_t j = 0; j < count; j++) {
        float v = row[j];
        if (v > m) m = v;
        else if (v != v) nan = 1;
    }
    *maximum = m;
    *has_nan = nan;
}

#if SQ_X86
static SQ_AVX2 void maximum_avx2(const float *row, size_t count, float *maximum, int *has_nan) {
    __m256 m = _mm256_set1_ps(-INFINITY), unordered = _mm256_setzero_ps();
    size_t j = 0;
    for (; j + 8 <= count; j += 8) {
        __m256 v = _mm256_loadu_ps(row + j);
        // max_ps answers its second operand when either is NaN: the running maximum skips NaNs.
        m = _mm256_max_ps(v, m);
        unordered = _mm256_or_ps(unordered, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
    }
    float lanes[8];
    _mm256_storeu_ps(lanes, m);
    float best = -INFINITY;
    for (int l = 0; l < 8; l++) best = lanes[l] > best ? lanes[l] : best;
    int nan = _mm256_movemask_ps(unordered) != 0;
    for (; j < count; j++) {
        float v = row[j];
        if (v > best) best = v;
        else if (v != v) nan = 1;
    }
    *maximum = best;
    *has_nan = nan;
}

static SQ_AVX512 void maximum_avx512(const float *row, size_t count, float *maximum, int *has_nan) {
    __m512 m = _mm512_set1_ps(-INFINITY);
    __mmask16 unordered = 0;
    size_t j = 0;
    for (; j + 16 <= count; j += 16) {
        __m512 v = _mm512_loadu_ps(row + j);
        m = _mm512_max_ps(v, m);
        unordered |= _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
    }
    float best = _mm512_reduce_max_ps(m);
    int nan = unordered != 0;
    for (; j < count; j++) {
        float v = row[j];
        if (v > best) best = v;
        else if (v != v) nan = 1;
    }
    *maximum = best;
    *has_nan = nan;
}
#endif

/// The lowest index holding `maximum` (0 when the maximum is -inf, as when every entry is masked).
static size_t first_index_of(const float *row, size_t count, float maximum) {
    if (maximum == -INFINITY) return 0;
    for (size_t j = 0; j < count; j++)
        if (row[j] == maximum) return j;
    return 0;
}

// MARK: Σ exp(x - max)

/// Sixteen double lane sums, lane l adding `exp(x_j - max)` for j ≡ l (mod 16) in increasing j, joined by a
/// fixed tree. Double lanes keep the sum of 49,152 terms exact to float precision.
static double reduce_16(const double l[16]) {
    double t[8];
    for (int i = 0; i < 8; i++) t[i] = l[i] + l[i + 8];
    double u[4];
    for (int i = 0; i < 4; i++) u[i] = t[i] + t[i + 4];
    return (u[0] + u[2]) + (u[1] + u[3]);
}

static double sum_exp_portable(const float *row, size_t count, float maximum) {
    double lanes[16] = {0};
    for (size_t j = 0; j < count; j++) lanes[j % 16] += (double)sq_exp(row[j] - maximum);
    return reduce_16(lanes);
}

#if SQ_X86
static SQ_AVX2 double sum_exp_avx2(const float *row, size_t count, float maximum) {
    __m256 m = _mm256_set1_ps(maximum);
    __m256d a0 = _mm256_setzero_pd(), a1 = a0, a2 = a0, a3 = a0; // lanes 0-3, 4-7, 8-11, 12-15
    size_t j = 0;
    for (; j + 16 <= count; j += 16) {
        __m256 e0 = sq_exp_avx2(_mm256_sub_ps(_mm256_loadu_ps(row + j), m));
        __m256 e1 = sq_exp_avx2(_mm256_sub_ps(_mm256_loadu_ps(row + j + 8), m));
        a0 = _mm256_add_pd(a0, _mm256_cvtps_pd(_mm256_castps256_ps128(e0)));
        a1 = _mm256_add_pd(a1, _mm256_cvtps_pd(_mm256_extractf128_ps(e0, 1)));
        a2 = _mm256_add_pd(a2, _mm256_cvtps_pd(_mm256_castps256_ps128(e1)));
        a3 = _mm256_add_pd(a3, _mm256_cvtps_pd(_mm256_extractf128_ps(e1, 1)));
    }
    double lanes[16];
    _mm256_storeu_pd(lanes, a0);
    _mm256_storeu_pd(lanes + 4, a1);
    _mm256_storeu_pd(lanes + 8, a2);
    _mm256_storeu_pd(lanes + 12, a3);
    for (; j < count; j++) lanes[j % 16] += (double)sq_exp(row[j] - maximum);
    return reduce_16(lanes);
}

static SQ_AVX512 double sum_exp_avx512(const float *row, size_t count, float maximum) {
    __m512 m = _mm512_set1_ps(maximum);
    __m512d a0 = _mm512_setzero_pd(), a1 = a0; // lanes 0-7, 8-15
    size_t j = 0;
    for (; j + 16 <= count; j += 16) {
        __m512 e = sq_exp_avx512(_mm512_sub_ps(_mm512_loadu_ps(row + j), m));
        a0 = _mm512_add_pd(a0, _mm512_cvtps_pd(_mm512_castps512_ps256(e)));
        a1 = _mm512_add_pd(a1, _mm512_cvtps_pd(_mm512_extractf32x8_ps(e, 1)));
    }
    double lanes[16];
    _mm512_storeu_pd(lanes, a0);
    _mm512_storeu_pd(lanes + 8, a1);
    for (; j < count; j++) lanes[j % 16] += (double)sq_exp(row[j] - maximum);
    return reduce_16(lanes);
}
#endif

// MARK: the row's statistics

int sq_log_softmax_stats(const float *row, size_t count, int use_simd, float *maximum, size_t *argmax,
                         float *log_sum) {
    float m;
    int nan;
#if SQ_X86
    if (use_simd >= SQ_KERNELS_AVX512) maximum_avx512(row, count, &m, &nan);
    else if (use_simd >= SQ_KERNELS_AVX2) maximum_avx2(row, count, &m, &nan);
    else
#endif
        maximum_portable(row, count, &m, &nan);
    *maximum = m;
    *argmax = first_index_of(row, count, m);
    if (nan || m == INFINITY) {
        *log_sum = NAN;
        return SQ_ROW_NAN;
    }
    if (m == -INFINITY) {
        *log_sum = 0.0f;
        return SQ_ROW_MASKED;
    }
    double sum;
#if SQ_X86
    if (use_simd >= SQ_KERNELS_AVX512) sum = sum_exp_avx512(row, count, m);
    else if (use_simd >= SQ_KERNELS_AVX2) sum = sum_exp_avx2(row, count, m);
    else
#endif
        sum = sum_exp_portable(row, count, m);
    *log_sum = (float)log(sum);
    return SQ_ROW_FINITE;
}

// MARK: the normalised row

#if SQ_X86
/// Two subtractions per entry, exactly the scalar `(x - max) - log_sum`; returns how many entries it did.
static SQ_AVX2 size_t normalise_avx2(const float *row, size_t count, float maximum, float log_sum, float *out) {
    __m256 m = _mm256_set1_ps(maximum), s = _mm256_set1_ps(log_sum);
    size_t j = 0;
    for (; j + 8 <= count; j += 8)
        _mm256_storeu_ps(out + j, _mm256_sub_ps(_mm256_sub_ps(_mm256_loadu_ps(row + j), m), s));
    return j;
}
#endif

void sq_log_softmax_row(const float *row, size_t count, float maximum, float log_sum, float *out, int use_simd) {
    size_t j = 0;
#if SQ_X86
    if (use_simd >= SQ_KERNELS_AVX2) j = normalise_avx2(row, count, maximum, log_sum, out);
#endif
    (void)use_simd;
    for (; j < count; j++) out[j] = (row[j] - maximum) - log_sum;
}

// MARK: top k

/// `a` ranks below `b`: a smaller value, or an equal one at a higher index; NaN below every number.
static int ranks_below(const float *row, size_t a, size_t b) {
    float x = row[a], y = row[b];
    if (x != x) return y == y || a > b;
    if (y != y) return 0;
    return x < y || (x == y && a > b);
}

static void sift_down(const float *row, size_t *heap, size_t size, size_t i) {
    for (;;) {
        size_t left = 2 * i + 1, right = left + 1, worst = i;
        if (left < size && ranks_below(row, heap[left], heap[worst])) worst = left;
        if (right < size && ranks_below(row, heap[right], heap[worst])) worst = right;
        if (worst == i) return;
        size_t t = heap[i];
        heap[i] = heap[worst];
        heap[worst] = t;
        i = worst;
    }
}

/// Offers index `j` (higher than every index offered before) to the full min-heap of the best so far.
static inline void offer(const float *row, size_t *heap, size_t k, size_t j) {
    if (ranks_below(row, heap[0], j)) {
        heap[0] = j;
        sift_down(row, heap, k, 0);
    }
}

#if SQ_X86
// Every index still to come is higher than those in the heap, so only an entry strictly above the root's value
// can enter (an equal one ranks below it, NaN below everything): test a register of entries at a time against
// that threshold and offer only the few that pass. A NaN root lets every number in: the scalar loop takes over.
// Each returns the first index it did not look at.
static SQ_AVX2 size_t filter_avx2(const float *row, size_t count, size_t *heap, size_t k, size_t j) {
    for (; j + 8 <= count; j += 8) {
        float threshold = row[heap[0]];
        if (threshold != threshold) break;
        int above = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(row + j), _mm256_set1_ps(threshold), _CMP_GT_OQ));
        while (above) {
            int l = __builtin_ctz((unsigned)above);
            above &= above - 1;
            offer(row, heap, k, j + (size_t)l);
        }
    }
    return j;
}

static SQ_AVX512 size_t filter_avx512(const float *row, size_t count, size_t *heap, size_t k, size_t j) {
    for (; j + 16 <= count; j += 16) {
        float threshold = row[heap[0]];
        if (threshold != threshold) break;
        __mmask16 above = _mm512_cmp_ps_mask(_mm512_loadu_ps(row + j), _mm512_set1_ps(threshold), _CMP_GT_OQ);
        while (above) {
            int l = __builtin_ctz(above);
            above &= above - 1;
            offer(row, heap, k, j + (size_t)l);
        }
    }
    return j;
}
#endif

size_t sq_top_k(const float *row, size_t count, size_t k, size_t *indices, int use_simd) {
    if (k > count) k = count;
    if (k == 0) return 0;
    size_t *heap = indices; // a min-heap (worst at the root) while scanning, sorted best first at the end
    for (size_t j = 0; j < k; j++) {
        heap[j] = j;
        for (size_t c = j; c > 0;) {
            size_t parent = (c - 1) / 2;
            if (!ranks_below(row, heap[c], heap[parent])) break;
            size_t t = heap[c];
            heap[c] = heap[parent];
            heap[parent] = t;
            c = parent;
        }
    }
    size_t j = k;
#if SQ_X86
    if (use_simd >= SQ_KERNELS_AVX512) j = filter_avx512(row, count, heap, k, j);
    else if (use_simd >= SQ_KERNELS_AVX2) j = filter_avx2(row, count, heap, k, j);
#endif
    (void)use_simd;
    for (; j < count; j++) offer(row, heap, k, j);
    // Heap sort: the root (worst) goes to the end each time, leaving the array best first.
    for (size_t size = k; size > 1; size--) {
        size_t t = heap[0];
        heap[0] = heap[size - 1];
        heap[size - 1] = t;
        sift_down(row, heap, size - 1, 0);
    }
    return k;
}
