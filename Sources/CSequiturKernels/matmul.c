// out = x · Wᵀ on weights in their file type, with one fixed reduction order per output (see the header).
//
// Weight rows are dequantised, a panel at a time, into float rows padded with zeros to a multiple of 8; the
// micro-kernel then multiplies up to 4 activation rows by up to 3 panel rows, one 8-lane accumulator per
// output. Small batches (n ≤ 4) use a 6-row panel that stays in L1, so each weight byte is read once per call
// whatever n is; prefill uses a panel of ~256 KiB that stays in L2 and is reused by every activation row.
// For n ≤ 9 and 32-element block types an AVX2 kernel skips the panel and dequantises into registers.
// With AVX-512 (use_simd = SQ_KERNELS_AVX512) the kernels of matmul_avx512.c run instead, two outputs per
// register, with bitwise the same results: the fused one for n ≤ 6 (a dequantised block pair stays in registers
// for up to 6 rows: speculative verification and beams), beyond it panel tiles of 8 activation rows by 6 panel
// rows that read the activations in place (no packing: each activation row is broadcast, the panel rows paired).
#pragma STDC FP_CONTRACT OFF
#include <stdlib.h>
#include "CSequiturKernels.h"
#include "kernels_common.h"

enum {
    TILE_ROWS = 4, TILE_COLS = 3, FUSED_COLS = 8, PREFILL_PANEL_FLOATS = 64 * 1024,
    // The AVX-512 panel tile (see kernels_common.h).
    WIDE_TILE_ROWS = SQ_PANEL_TILE_ROWS, WIDE_TILE_COLS = SQ_PANEL_TILE_COLS,
    // Up to 6 activation rows take the AVX-512 fused kernel (from 7 on the panel tiles were as fast, measured).
    FUSED_ROWS_AVX512 = 6,
    // Up to 9 activation rows take the AVX2 fused kernel: a speculative verification of 8 drafts, beams, small
    // batches. From 3 rows on it is compute-bound; the panel path cost 10–30% more per call (the target-call
    // figures of `sequitur bench --only speculative`). 9 accumulators, 4 block vectors and an activation fit the
    // 16 registers.
    FUSED_ROWS_AVX2 = 9,
};

static size_t padded(size_t k) { return (k + 7) & ~(size_t)7; }

/// Panel rows: a multiple of both tiles' widths (6), small enough for L1 at small batches and L2 in prefill.
static size_t panel_rows(size_t n, size_t k) {
    if (n <= TILE_ROWS) return WIDE_TILE_COLS;
    size_t rows = PREFILL_PANEL_FLOATS / padded(k) / WIDE_TILE_COLS * WIDE_TILE_COLS;
    return rows < WIDE_TILE_COLS ? WIDE_TILE_COLS : rows;
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
    _Pragma("clang loop unroll(full)")
    for (int r = 0; r < rows; r++)
        _Pragma("clang loop unroll(full)")
        for (int c = 0; c < cols; c++) acc[r][c] = _mm256_setzero_ps();
    size_t full = k & ~(size_t)7;
    for (size_t i = 0; i < full; i += 8) {
        __m256 w[TILE_COLS];
        _Pragma("clang loop unroll(full)")
        for (int c = 0; c < cols; c++) w[c] = _mm256_load_ps(panel + c * kp + i);
        _Pragma("clang loop unroll(full)")
        for (int r = 0; r < rows; r++) {
            __m256 xv = _mm256_loadu_ps(x + r * k + i);
            _Pragma("clang loop unroll(full)")
            for (int c = 0; c < cols; c++) acc[r][c] = _mm256_fmadd_ps(xv, w[c], acc[r][c]);
        }
    }
    if (full < k) {
        // The tail: activations beyond k load as 0 and the panel is zero-padded, as in the portable path.
        __m256i mask = sq_tail_mask(k - full);
        __m256 w[TILE_COLS];
        _Pragma("clang loop unroll(full)")
        for (int c = 0; c < cols; c++) w[c] = _mm256_load_ps(panel + c * kp + full);
        _Pragma("clang loop unroll(full)")
        for (int r = 0; r < rows; r++) {
            __m256 xv = _mm256_maskload_ps(x + r * k + full, mask);
            _Pragma("clang loop unroll(full)")
            for (int c = 0; c < cols; c++) acc[r][c] = _mm256_fmadd_ps(xv, w[c], acc[r][c]);
        }
    }
    _Pragma("clang loop unroll(full)")
    for (int r = 0; r < rows; r++)
        _Pragma("clang loop unroll(full)")
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

// MARK: AVX2 fused decode kernel (n ≤ 9, Q4_0/Q4_1/Q8_0)
//
// Decode is bound by reading weights, so blocks are dequantised straight into registers instead of a panel.
// Each accumulator still takes the products in increasing k (a block's four vectors in order), so the
// results are bitwise those of the panel path.

static inline __attribute__((always_inline)) SQ_AVX2 void fused_tile_avx2(
    const int type, const size_t block_bytes, const float *x, size_t k, const uint8_t *w, size_t row_bytes,
    float *out, size_t ldo, const int rows, const int cols) {
    __m256 acc[FUSED_ROWS_AVX2][FUSED_COLS];
    _Pragma("clang loop unroll(full)")
    for (int r = 0; r < rows; r++)
        _Pragma("clang loop unroll(full)")
        for (int c = 0; c < cols; c++) acc[r][c] = _mm256_setzero_ps();
    for (size_t b = 0; b < k / 32; b++) {
        _Pragma("clang loop unroll(full)")
        for (int c = 0; c < cols; c++) {
            __m256 v[4];
            const uint8_t *block = w + c * row_bytes + b * block_bytes;
            // Eight rows read side by side defeat the hardware prefetcher; fetch the next group's bytes now.
            _mm_prefetch((const char *)(block + cols * row_bytes), _MM_HINT_T0);
            sq_load_block(type, block, v);
            _Pragma("clang loop unroll(full)")
            for (int r = 0; r < rows; r++)
                _Pragma("clang loop unroll(full)")
                for (int q = 0; q < 4; q++)
                    acc[r][c] = _mm256_fmadd_ps(_mm256_loadu_ps(x + r * k + b * 32 + 8 * q), v[q], acc[r][c]);
        }
    }
    _Pragma("clang loop unroll(full)")
    for (int r = 0; r < rows; r++)
        _Pragma("clang loop unroll(full)")
        for (int c = 0; c < cols; c++) out[r * ldo + c] = sq_reduce_m256(acc[r][c]);
}

/// Weight rows `m_begin ..< m_end` for one to nine activation rows. Each output's accumulator is one chain of
/// dependent FMAs (the fixed order), so several weight rows run at once to keep about 8 chains in flight.
static inline __attribute__((always_inline)) SQ_AVX2 void fused_rows_avx2(
    const int type, const float *x, size_t k, const uint8_t *w, size_t row_bytes, size_t m_begin, size_t m_end,
    float *out, size_t ldo, const int rows) {
    const size_t block_bytes = type == SQ_TYPE_Q4_0 ? 18 : type == SQ_TYPE_Q4_1 ? 20 : 34;
    // Weight rows side by side: 8, 4, 3, 2, then 1 (5 to 9 chains: fewer in flight, but each block's dequantised
    // vectors serve every activation row, which is what pays from 3 rows on).
    const int cols = rows == 1 ? FUSED_COLS : rows == 2 ? FUSED_COLS / 2 : rows == 3 ? 3 : rows == 4 ? 2 : 1;
    size_t j = m_begin;
    for (; j + cols <= m_end; j += cols)
        fused_tile_avx2(type, block_bytes, x, k, w + j * row_bytes, row_bytes, out + j, ldo, rows, cols);
    for (; j < m_end; j++)
        fused_tile_avx2(type, block_bytes, x, k, w + j * row_bytes, row_bytes, out + j, ldo, rows, 1);
}

#define SQ_FUSED_CASE(T, R) case (T) * 16 + (R): fused_rows_avx2(T, x, k, w, row_bytes, m_begin, m_end, out, ldo, R); return 1;

/// Runs the fused kernel when it applies; returns 0 when the caller must take the panel path.
static SQ_AVX2 int fused_decode_avx2(const float *x, size_t n, size_t k, const uint8_t *w, int type, size_t row_bytes,
                                     size_t m_begin, size_t m_end, float *out, size_t ldo) {
    switch (type * 16 + (int)n) {
    SQ_FUSED_CASE(SQ_TYPE_Q4_0, 1) SQ_FUSED_CASE(SQ_TYPE_Q4_0, 2) SQ_FUSED_CASE(SQ_TYPE_Q4_0, 3) SQ_FUSED_CASE(SQ_TYPE_Q4_0, 4)
    SQ_FUSED_CASE(SQ_TYPE_Q4_0, 5) SQ_FUSED_CASE(SQ_TYPE_Q4_0, 6) SQ_FUSED_CASE(SQ_TYPE_Q4_0, 7) SQ_FUSED_CASE(SQ_TYPE_Q4_0, 8) SQ_FUSED_CASE(SQ_TYPE_Q4_0, 9)
    SQ_FUSED_CASE(SQ_TYPE_Q4_1, 1) SQ_FUSED_CASE(SQ_TYPE_Q4_1, 2) SQ_FUSED_CASE(SQ_TYPE_Q4_1, 3) SQ_FUSED_CASE(SQ_TYPE_Q4_1, 4)
    SQ_FUSED_CASE(SQ_TYPE_Q4_1, 5) SQ_FUSED_CASE(SQ_TYPE_Q4_1, 6) SQ_FUSED_CASE(SQ_TYPE_Q4_1, 7) SQ_FUSED_CASE(SQ_TYPE_Q4_1, 8) SQ_FUSED_CASE(SQ_TYPE_Q4_1, 9)
    SQ_FUSED_CASE(SQ_TYPE_Q8_0, 1) SQ_FUSED_CASE(SQ_TYPE_Q8_0, 2) SQ_FUSED_CASE(SQ_TYPE_Q8_0, 3) SQ_FUSED_CASE(SQ_TYPE_Q8_0, 4)
    SQ_FUSED_CASE(SQ_TYPE_Q8_0, 5) SQ_FUSED_CASE(SQ_TYPE_Q8_0, 6) SQ_FUSED_CASE(SQ_TYPE_Q8_0, 7) SQ_FUSED_CASE(SQ_TYPE_Q8_0, 8) SQ_FUSED_CASE(SQ_TYPE_Q8_0, 9)
    default:
        return 0;
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
#if SQ_X86 && !defined(SQ_DISABLE_FUSED_DECODE) // (define it to time the panel path alone)
    // The AVX-512 fused kernel keeps a block pair in registers for up to FUSED_ROWS_AVX512 rows.
    if (use_simd >= SQ_KERNELS_AVX512 && n <= FUSED_ROWS_AVX512) {
        size_t done = sq_fused_decode_avx512(x, n, k, wbytes, type, row_bytes, m_begin, m_end, out, ldo);
        if (done > m_begin) {
            // The last odd weight row, on its own: n rows at a time, through the AVX2 kernel.
            for (size_t r0 = 0; r0 < n && done < m_end; r0 += 2) {
                size_t rows = n - r0 < 2 ? n - r0 : 2;
                fused_decode_avx2(x + r0 * k, rows, k, wbytes, type, row_bytes, done, m_end, out + r0 * ldo, ldo);
            }
            return 0;
        }
    }
    // With AVX-512 beside it, the AVX2 fused kernel keeps to one or two rows (the AVX-512 panel tiles were measured
    // for 7 rows and more; this machine's AVX2-only figures do not carry over).
    size_t fused_rows_avx2_max = use_simd >= SQ_KERNELS_AVX512 ? 2 : FUSED_ROWS_AVX2;
    if (use_simd && n <= fused_rows_avx2_max && fused_decode_avx2(x, n, k, wbytes, type, row_bytes, m_begin, m_end, out, ldo))
        return 0;
#endif
    for (size_t m0 = m_begin; m0 < m_end; m0 += prows) {
        size_t pr = m_end - m0 < prows ? m_end - m0 : prows;
        sq_dequantize_rows(type, wbytes + m0 * row_bytes, row_bytes, pr, k, scratch, kp, use_simd);
        for (size_t r = 0; r < pr; r++)
            for (size_t i = k; i < kp; i++) scratch[r * kp + i] = 0.0f;
#if SQ_X86
        if (use_simd >= SQ_KERNELS_AVX512) {
            for (size_t r0 = 0; r0 < n; r0 += WIDE_TILE_ROWS) {
                int rows = (int)(n - r0 < WIDE_TILE_ROWS ? n - r0 : WIDE_TILE_ROWS);
                for (size_t c0 = 0; c0 < pr; c0 += WIDE_TILE_COLS) {
                    int cols = (int)(pr - c0 < WIDE_TILE_COLS ? pr - c0 : WIDE_TILE_COLS);
                    sq_panel_tile_avx512(x + r0 * k, k, scratch + c0 * kp, kp, out + r0 * ldo + m0 + c0, ldo, rows, cols);
                }
            }
            continue;
        }
#endif
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
