// The AVX-512 matmul kernels: bitwise the AVX2 kernels' results, at twice the width.
//
// The fixed reduction order (see `sq_matmul_rows` in the header) gives every output eight lanes, so a 16-lane
// register cannot hold one output's accumulator without changing the order. Instead each zmm holds two
// outputs side by side, each in its own 256-bit half, and takes exactly the fused multiply-adds the AVX2
// kernel gives that output, in the same order:
//   - the fused decode kernel pairs two weight rows (halves = rows j and j+1, the activations broadcast to
//     both halves);
//   - the panel kernel pairs two dequantised panel rows the same way (joined per 8 columns as it loads them).
// So every path — portable, AVX2, AVX-512 — gives bitwise the same floats, and a result still depends only
// on its own activation row and weight row.
#pragma STDC FP_CONTRACT OFF
#include "CSequiturKernels.h"
#include "kernels_common.h"

#if SQ_X86

// MARK: fused decode and small batches (n ≤ 6; Q4_0, Q4_1, Q8_0)

/// Dequantises one 32-element block of two weight rows at once: `v[q]` holds elements 8q..8q+7 of the block
/// at `a` in its low half and of the block at `b` in its high half, with `sq_load_block`'s arithmetic.
static inline __attribute__((always_inline)) SQ_AVX512 void load_block_pair(const int type, const uint8_t *a,
                                                                           const uint8_t *b, __m512 v[4]) {
    if (type == SQ_TYPE_Q8_0) {
        __m128 halves = _mm_cvtph_ps(_mm_unpacklo_epi16(_mm_cvtsi32_si128(sq_load_u16(a)),
                                                         _mm_cvtsi32_si128(sq_load_u16(b))));
        __m512 d = _mm512_permutexvar_ps(_mm512_set_epi32(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0),
                                         _mm512_castps128_ps512(halves));
        for (int j = 0; j < 4; j++) {
            __m128i pair = _mm_unpacklo_epi64(_mm_loadl_epi64((const __m128i *)(a + 2 + 8 * j)),
                                              _mm_loadl_epi64((const __m128i *)(b + 2 + 8 * j)));
            v[j] = _mm512_mul_ps(d, _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(pair)));
        }
        return;
    }
    const int offset = type == SQ_TYPE_Q4_1 ? 4 : 2;
    __m128i qa = _mm_loadu_si128((const __m128i *)(a + offset)), qb = _mm_loadu_si128((const __m128i *)(b + offset));
    // Bytes 0..7 of each row, then bytes 8..15, widened to 32-bit lanes: low nibbles are elements 0..15, high
    // nibbles 16..31.
    __m512i b0 = _mm512_cvtepu8_epi32(_mm_unpacklo_epi64(qa, qb));
    __m512i b1 = _mm512_cvtepu8_epi32(_mm_unpackhi_epi64(qa, qb));
    const __m512i low4 = _mm512_set1_epi32(0x0F);
    __m512i q[4] = {_mm512_and_si512(b0, low4), _mm512_and_si512(b1, low4), _mm512_srli_epi32(b0, 4),
                    _mm512_srli_epi32(b1, 4)};
    if (type == SQ_TYPE_Q4_0) {
        __m128 halves = _mm_cvtph_ps(_mm_unpacklo_epi16(_mm_cvtsi32_si128(sq_load_u16(a)),
                                                         _mm_cvtsi32_si128(sq_load_u16(b))));
        __m512 d = _mm512_permutexvar_ps(_mm512_set_epi32(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0),
                                         _mm512_castps128_ps512(halves));
        const __m512i eight = _mm512_set1_epi32(8);
        for (int j = 0; j < 4; j++) v[j] = _mm512_mul_ps(d, _mm512_cvtepi32_ps(_mm512_sub_epi32(q[j], eight)));
    } else { // Q4_1: [d, m] of each row, as two 32-bit words
        int32_t dma, dmb;
        memcpy(&dma, a, 4);
        memcpy(&dmb, b, 4);
        __m128 dm = _mm_cvtph_ps(_mm_unpacklo_epi32(_mm_cvtsi32_si128(dma), _mm_cvtsi32_si128(dmb)));
        __m512 wide = _mm512_castps128_ps512(dm); // dA, mA, dB, mB
        __m512 d = _mm512_permutexvar_ps(_mm512_set_epi32(2, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0), wide);
        __m512 m = _mm512_permutexvar_ps(_mm512_set_epi32(3, 3, 3, 3, 3, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1), wide);
        // d·q is exact in float32 (see `sq_load_block`), so one fused multiply-add rounds as d·q + m does.
        for (int j = 0; j < 4; j++) v[j] = _mm512_fmadd_ps(d, _mm512_cvtepi32_ps(q[j]), m);
    }
}

/// The two halves' reductions, stored at `out[0]` and `out[1]` (`sq_reduce_m256` on each).
static inline __attribute__((always_inline)) SQ_AVX512 void store_pair(__m512 acc, float *out0, float *out1) {
    *out0 = sq_reduce_m256(_mm512_castps512_ps256(acc));
    *out1 = sq_reduce_m256(_mm512_extractf32x8_ps(acc, 1));
}

/// `pairs` pairs of weight rows (2·pairs rows from `w`) against `rows` activation rows (rows·pairs ≤ 16
/// accumulators). For one or two rows the activations are broadcast once per block and kept in registers; for
/// three to six, up to three pairs' blocks are dequantised first and each activation vector is broadcast once
/// per block for all of them (12 block vectors and 9–12 accumulators stay in the 32 registers; the broadcast
/// per pair this replaced cost 10–25% at 3–6 rows, `scripts/bench/matmul-microbench`).
static inline __attribute__((always_inline)) SQ_AVX512 void fused_tile_avx512(
    const int type, const size_t block_bytes, const float *x, size_t k, const uint8_t *w, size_t row_bytes,
    float *out, size_t ldo, const int rows, const int pairs) {
    __m512 acc[8][8];
    _Pragma("clang loop unroll(full)")
    for (int r = 0; r < rows; r++)
        _Pragma("clang loop unroll(full)")
        for (int p = 0; p < pairs; p++) acc[r][p] = _mm512_setzero_ps();
    for (size_t b = 0; b < k / 32; b++) {
        __m512 xv[2][4];
        if (rows <= 2) {
            _Pragma("clang loop unroll(full)")
            for (int r = 0; r < rows && r < 2; r++)
                _Pragma("clang loop unroll(full)")
                for (int q = 0; q < 4; q++) xv[r][q] = _mm512_broadcast_f32x8(_mm256_loadu_ps(x + r * k + b * 32 + 8 * q));
        }
        if (rows > 2) {
            // Every pair's block first, then each activation vector broadcast once for all of them.
            __m512 v[3][4];
            _Pragma("clang loop unroll(full)")
            for (int p = 0; p < pairs && p < 3; p++) {
                const uint8_t *block = w + 2 * p * row_bytes + b * block_bytes;
                _mm_prefetch((const char *)(block + 2 * pairs * row_bytes), _MM_HINT_T0);
                _mm_prefetch((const char *)(block + (2 * pairs + 1) * row_bytes), _MM_HINT_T0);
                load_block_pair(type, block, block + row_bytes, v[p]);
            }
            _Pragma("clang loop unroll(full)")
            for (int r = 0; r < rows; r++)
                _Pragma("clang loop unroll(full)")
                for (int q = 0; q < 4; q++) {
                    __m512 xq = _mm512_broadcast_f32x8(_mm256_loadu_ps(x + r * k + b * 32 + 8 * q));
                    _Pragma("clang loop unroll(full)")
                    for (int p = 0; p < pairs && p < 3; p++) acc[r][p] = _mm512_fmadd_ps(xq, v[p][q], acc[r][p]);
                }
            continue;
        }
        _Pragma("clang loop unroll(full)")
        for (int p = 0; p < pairs; p++) {
            __m512 v[4];
            const uint8_t *block = w + 2 * p * row_bytes + b * block_bytes;
            _mm_prefetch((const char *)(block + 2 * pairs * row_bytes), _MM_HINT_T0);
            _mm_prefetch((const char *)(block + (2 * pairs + 1) * row_bytes), _MM_HINT_T0);
            load_block_pair(type, block, block + row_bytes, v);
            _Pragma("clang loop unroll(full)")
            for (int r = 0; r < rows; r++)
                _Pragma("clang loop unroll(full)")
                for (int q = 0; q < 4; q++) {
                    acc[r][p] = _mm512_fmadd_ps(xv[r < 2 ? r : 0][q], v[q], acc[r][p]);
                }
        }
    }
    _Pragma("clang loop unroll(full)")
    for (int r = 0; r < rows; r++)
        _Pragma("clang loop unroll(full)")
        for (int p = 0; p < pairs; p++) store_pair(acc[r][p], out + r * ldo + 2 * p, out + r * ldo + 2 * p + 1);
}

static inline __attribute__((always_inline)) SQ_AVX512 size_t fused_rows_avx512(
    const int type, const float *x, size_t k, const uint8_t *w, size_t row_bytes, size_t m_begin, size_t m_end,
    float *out, size_t ldo, const int rows) {
    const size_t block_bytes = type == SQ_TYPE_Q4_0 ? 18 : type == SQ_TYPE_Q4_1 ? 20 : 34;
    const int pairs = rows == 1 ? 8 : rows == 2 ? 4 : rows <= 4 ? 3 : 2;
    size_t j = m_begin;
    for (; j + 2 * pairs <= m_end; j += 2 * pairs)
        fused_tile_avx512(type, block_bytes, x, k, w + j * row_bytes, row_bytes, out + j, ldo, rows, pairs);
    for (; j + 2 <= m_end; j += 2)
        fused_tile_avx512(type, block_bytes, x, k, w + j * row_bytes, row_bytes, out + j, ldo, rows, 1);
    return j;
}

#define SQ_FUSED512_CASE(T, R) case (T) * 16 + (R): return fused_rows_avx512(T, x, k, w, row_bytes, m_begin, m_end, out, ldo, R);

SQ_AVX512 size_t sq_fused_decode_avx512(const float *x, size_t n, size_t k, const uint8_t *w, int type, size_t row_bytes,
                              size_t m_begin, size_t m_end, float *out, size_t ldo) {
    switch (type * 16 + (int)n) {
#define SQ_FUSED512_TYPE(T) SQ_FUSED512_CASE(T, 1) SQ_FUSED512_CASE(T, 2) SQ_FUSED512_CASE(T, 3) \
    SQ_FUSED512_CASE(T, 4) SQ_FUSED512_CASE(T, 5) SQ_FUSED512_CASE(T, 6) SQ_FUSED512_CASE(T, 7) SQ_FUSED512_CASE(T, 8)
    SQ_FUSED512_TYPE(SQ_TYPE_Q4_0)
    SQ_FUSED512_TYPE(SQ_TYPE_Q4_1)
    SQ_FUSED512_TYPE(SQ_TYPE_Q8_0)
    default:
        return m_begin;
    }
}

// MARK: panel tiles (weight rows in pairs, activation rows broadcast)

enum { TILE_ROWS = SQ_PANEL_TILE_ROWS, TILE_PAIRS = SQ_PANEL_TILE_COLS / 2 };

/// One 8-column step of a tile: each pair's two panel rows joined, each activation row broadcast (masked to
/// `tail` when it is not 0) and multiplied into every pair.
static inline __attribute__((always_inline)) SQ_AVX512 void tile_step_avx512(
    __m512 acc[TILE_ROWS][TILE_PAIRS], const float *const first[TILE_PAIRS], const float *const second[TILE_PAIRS],
    const float *x, size_t k, size_t i, const int rows, const int pairs, const __mmask8 tail) {
    __m512 wv[TILE_PAIRS];
    _Pragma("clang loop unroll(full)")
    for (int p = 0; p < pairs; p++)
        wv[p] = _mm512_insertf32x8(_mm512_castps256_ps512(_mm256_load_ps(first[p] + i)), _mm256_load_ps(second[p] + i), 1);
    _Pragma("clang loop unroll(full)")
    for (int r = 0; r < rows; r++) {
        __m256 row = tail ? _mm256_maskz_loadu_ps(tail, x + r * k + i) : _mm256_loadu_ps(x + r * k + i);
        __m512 xv = _mm512_broadcast_f32x8(row);
        _Pragma("clang loop unroll(full)")
        for (int p = 0; p < pairs; p++) acc[r][p] = _mm512_fmadd_ps(xv, wv[p], acc[r][p]);
    }
}

/// Up to 8 activation rows by up to 6 panel rows (3 pairs): 24 accumulators, each pair's two panel rows
/// joined into one register per 8 columns and each activation row's eight floats broadcast to both halves,
/// so the activations need no packing and a weight pair serves every row of the tile. An odd last panel row
/// is paired with itself; that half is never stored.
static inline __attribute__((always_inline)) SQ_AVX512 void tile_avx512(
    const float *x, size_t k, const float *panel, size_t kp, float *out, size_t ldo, const int rows,
    const int pairs, const int cols) {
    __m512 acc[TILE_ROWS][TILE_PAIRS];
    const float *first[TILE_PAIRS], *second[TILE_PAIRS];
    _Pragma("clang loop unroll(full)")
    for (int p = 0; p < pairs; p++) {
        first[p] = panel + 2 * p * kp;
        second[p] = 2 * p + 1 < cols ? first[p] + kp : first[p];
    }
    _Pragma("clang loop unroll(full)")
    for (int r = 0; r < rows; r++)
        _Pragma("clang loop unroll(full)")
        for (int p = 0; p < pairs; p++) acc[r][p] = _mm512_setzero_ps();
    const size_t full = k & ~(size_t)7;
    for (size_t i = 0; i < full; i += 8) tile_step_avx512(acc, first, second, x, k, i, rows, pairs, 0);
    // The tail: activations past k load as 0 against the panel's zero padding, as on every path. (A masked
    // load in every step would cost a fifth of the speed: it cannot fold into the broadcast.)
    if (full < k) tile_step_avx512(acc, first, second, x, k, full, rows, pairs, (__mmask8)((1u << (k - full)) - 1u));
    _Pragma("clang loop unroll(full)")
    for (int r = 0; r < rows; r++)
        _Pragma("clang loop unroll(full)")
        for (int p = 0; p < pairs; p++) {
            out[r * ldo + 2 * p] = sq_reduce_m256(_mm512_castps512_ps256(acc[r][p]));
            if (2 * p + 1 < cols) out[r * ldo + 2 * p + 1] = sq_reduce_m256(_mm512_extractf32x8_ps(acc[r][p], 1));
        }
}

#define SQ_TILE512_CASE(R, P) case (R) * 4 + (P): tile_avx512(x, k, panel, kp, out, ldo, R, P, cols); break;
#define SQ_TILE512_ROWS(R) SQ_TILE512_CASE(R, 1) SQ_TILE512_CASE(R, 2) SQ_TILE512_CASE(R, 3)

SQ_AVX512 void sq_panel_tile_avx512(const float *x, size_t k, const float *panel, size_t kp, float *out, size_t ldo,
                                    int rows, int cols) {
    switch (rows * 4 + (cols + 1) / 2) {
    SQ_TILE512_ROWS(1) SQ_TILE512_ROWS(2) SQ_TILE512_ROWS(3) SQ_TILE512_ROWS(4)
    SQ_TILE512_ROWS(5) SQ_TILE512_ROWS(6) SQ_TILE512_ROWS(7) SQ_TILE512_ROWS(8)
    }
}

#endif
