// out = x · Wᵀ on weights in their file type, with one fixed reduction order per output (see the header).
//
// Weight rows are dequantised, a panel at a time, into float rows padded with zeros to a multiple of 8; the
// micro-kernel then multiplies up to 4 activation rows by up to 3 panel rows, one 8-lane accumulator per
// output. Decode (n ≤ 4) uses a 3-row panel that stays in L1, so each weight byte is read once per call
// whatever n is; prefill uses a panel of ~256 KiB that stays in L2 and is reused by every activation row.
#pragma STDC FP_CONTRACT OFF
#include <stdlib.h>
#include "CSequiturKernels.h"
#include "kernels_common.h"

enum { TILE_ROWS = 4, TILE_COLS = 3, PREFILL_PANEL_FLOATS = 64 * 1024 };

static size_t padded(size_t k) { return (k + 7) & ~(size_t)7; }

static size_t panel_rows(size_t n, size_t k) {
    if (n <= TILE_ROWS) return TILE_COLS;
    size_t rows = PREFILL_PANEL_FLOATS / padded(k) / TILE_COLS * TILE_COLS;
    return rows < TILE_COLS ? TILE_COLS : rows;
}

size_t sq_matmul_scratch_floats(size_t n, size_t k) { return panel_rows(n, k) * padded(k); }

// MARK: portable micro-kernel (the lane structure of the AVX2 one, with fmaf for its fused multiply-add)

static void tile_portable(const float *x, size_t k, const float *panel, size_t kp, float *out, size_t ldo,
                          int rows, int cols) {
    float acc[TILE_ROWS][TILE_COLS][8];
    memset(acc, 0, sizeof acc);
    for (size_t i = 0; i < kp; i += 8) {
        for (int r = 0; r < rows; r++) {
            float xv[8];
            for (int l = 0; l < 8; l++) xv[l] = i + l < k ? x[r * k + i + l] : 0.0f;
            for (int c = 0; c < cols; c++)
                for (int l = 0; l < 8; l++) acc[r][c][l] = fmaf(xv[l], panel[c * kp + i + l], acc[r][c][l]);
        }
    }
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++) out[r * ldo + c] = sq_reduce_lanes(acc[r][c]);
}

// MARK: AVX2 micro-kernel

#if SQ_X86
static inline __attribute__((always_inline)) SQ_AVX2 void tile_avx2(
    const float *x, size_t k, const float *panel, size_t kp, float *out, size_t ldo, const int rows, const int cols) {
    __m256 acc[TILE_ROWS][TILE_COLS];
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++) acc[r][c] = _mm256_setzero_ps();
    size_t full = k & ~(size_t)7;
    for (size_t i = 0; i < full; i += 8) {
        __m256 w[TILE_COLS];
        for (int c = 0; c < cols; c++) w[c] = _mm256_load_ps(panel + c * kp + i);
        for (int r = 0; r < rows; r++) {
            __m256 xv = _mm256_loadu_ps(x + r * k + i);
            for (int c = 0; c < cols; c++) acc[r][c] = _mm256_fmadd_ps(xv, w[c], acc[r][c]);
        }
    }
    if (full < k) {
        // The tail: activations beyond k load as 0 and the panel is zero-padded, as in the portable path.
        __m256i mask = sq_tail_mask(k - full);
        __m256 w[TILE_COLS];
        for (int c = 0; c < cols; c++) w[c] = _mm256_load_ps(panel + c * kp + full);
        for (int r = 0; r < rows; r++) {
            __m256 xv = _mm256_maskload_ps(x + r * k + full, mask);
            for (int c = 0; c < cols; c++) acc[r][c] = _mm256_fmadd_ps(xv, w[c], acc[r][c]);
        }
    }
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++) out[r * ldo + c] = sq_reduce_m256(acc[r][c]);
}

#define SQ_TILE_CASE(R, C) case (R) * 4 + (C): tile_avx2(x, k, panel, kp, out, ldo, R, C); break;

static SQ_AVX2 void tile_avx2_dispatch(const float *x, size_t k, const float *panel, size_t kp, float *out,
                                       size_t ldo, int rows, int cols) {
    switch (rows * 4 + cols) {
    SQ_TILE_CASE(1, 1) SQ_TILE_CASE(1, 2) SQ_TILE_CASE(1, 3)
    SQ_TILE_CASE(2, 1) SQ_TILE_CASE(2, 2) SQ_TILE_CASE(2, 3)
    SQ_TILE_CASE(3, 1) SQ_TILE_CASE(3, 2) SQ_TILE_CASE(3, 3)
    SQ_TILE_CASE(4, 1) SQ_TILE_CASE(4, 2) SQ_TILE_CASE(4, 3)
    }
}
#endif

int sq_matmul_rows(const float *x, size_t n, size_t k, const void *w, int type, size_t row_bytes,
                   size_t m_begin, size_t m_end, float *out, size_t ldo, float *scratch, int use_simd) {
    if (!sq_type_is_supported(type)) return -1;
#if !SQ_X86
    use_simd = 0;
#endif
    size_t kp = padded(k), prows = panel_rows(n, k);
    const uint8_t *wbytes = (const uint8_t *)w;
    for (size_t m0 = m_begin; m0 < m_end; m0 += prows) {
        size_t pr = m_end - m0 < prows ? m_end - m0 : prows;
        sq_dequantize_rows(type, wbytes + m0 * row_bytes, row_bytes, pr, k, scratch, kp, use_simd);
        for (size_t r = 0; r < pr; r++)
            for (size_t i = k; i < kp; i++) scratch[r * kp + i] = 0.0f;
        for (size_t r0 = 0; r0 < n; r0 += TILE_ROWS) {
            int rows = (int)(n - r0 < TILE_ROWS ? n - r0 : TILE_ROWS);
            for (size_t c0 = 0; c0 < pr; c0 += TILE_COLS) {
                int cols = (int)(pr - c0 < TILE_COLS ? pr - c0 : TILE_COLS);
                const float *xt = x + r0 * k;
                const float *pt = scratch + c0 * kp;
                float *ot = out + r0 * ldo + m0 + c0;
#if SQ_X86
                if (use_simd) {
                    tile_avx2_dispatch(xt, k, pt, kp, ot, ldo, rows, cols);
                    continue;
                }
#endif
                tile_portable(xt, k, pt, kp, ot, ldo, rows, cols);
            }
        }
    }
    return 0;
}

// MARK: vector helpers with the same lane structure

#if SQ_X86
static SQ_AVX2 float dot_avx2(const float *a, const float *b, size_t k) {
    __m256 acc = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 8 <= k; i += 8) acc = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc);
    if (i < k) {
        __m256i mask = sq_tail_mask(k - i);
        acc = _mm256_fmadd_ps(_mm256_maskload_ps(a + i, mask), _mm256_maskload_ps(b + i, mask), acc);
    }
    return sq_reduce_m256(acc);
}

static SQ_AVX2 void axpy_avx2(float a, const float *x, float *y, size_t k) {
    __m256 av = _mm256_set1_ps(a);
    size_t i = 0;
    for (; i + 8 <= k; i += 8)
        _mm256_storeu_ps(y + i, _mm256_fmadd_ps(av, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
    for (; i < k; i++) y[i] = fmaf(a, x[i], y[i]);
}
#endif

float sq_dot(const float *a, const float *b, size_t k, int use_simd) {
#if SQ_X86
    if (use_simd) {
        return dot_avx2(a, b, k);
    }
#endif
    (void)use_simd;
    float lanes[8] = {0};
    size_t i = 0;
    for (; i + 8 <= k; i += 8)
        for (int l = 0; l < 8; l++) lanes[l] = fmaf(a[i + l], b[i + l], lanes[l]);
    if (i < k) {
        // Same as the masked AVX2 tail: lanes past the end add fma(0, 0, ·).
        for (int l = 0; l < 8; l++) {
            float av = i + l < k ? a[i + l] : 0.0f, bv = i + l < k ? b[i + l] : 0.0f;
            lanes[l] = fmaf(av, bv, lanes[l]);
        }
    }
    return sq_reduce_lanes(lanes);
}


void sq_axpy(float a, const float *x, float *y, size_t k, int use_simd) {
#if SQ_X86
    if (use_simd) {
        axpy_avx2(a, x, y, k);
        return;
    }
#endif
    (void)use_simd;
    for (size_t i = 0; i < k; i++) y[i] = fmaf(a, x[i], y[i]);
}
