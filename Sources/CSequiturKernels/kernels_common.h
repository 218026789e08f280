// Helpers shared by the kernel files (not part of the module's public header).
#ifndef SQ_KERNELS_COMMON_H
#define SQ_KERNELS_COMMON_H
#include <stdint.h>
#include <string.h>
#include <math.h>
#include "CSequiturKernels.h"

#if defined(__x86_64__) || defined(__i386__)
#define SQ_X86 1
#include <immintrin.h>
#define SQ_AVX2 __attribute__((target("avx2,fma,f16c")))
#define SQ_AVX512 __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma,f16c")))
#else
#define SQ_X86 0
#endif

/// Exact IEEE half → float conversion (the same value F16C's vcvtph2ps gives).
static inline float sq_f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exponent = (h >> 10) & 0x1Fu;
    uint32_t mantissa = h & 0x3FFu;
    uint32_t bits;
    if (exponent == 0) {
        if (mantissa == 0) {
            bits = sign;
        } else {
            // Subnormal half: mantissa · 2^-24, exact in float.
            float f = (float)mantissa * 5.9604644775390625e-8f;
            memcpy(&bits, &f, 4);
            bits |= sign;
        }
    } else if (exponent == 31) {
        bits = sign | 0x7F800000u | (mantissa << 13) | (mantissa ? 0x00400000u : 0);
    } else {
        bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
    }
    float out;
    memcpy(&out, &bits, 4);
    return out;
}

static inline uint16_t sq_load_u16(const uint8_t *p) {
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}

/// The fixed horizontal reduction of eight lane sums: ((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7)).
static inline float sq_reduce_lanes(const float l[8]) {
    float t0 = l[0] + l[4], t1 = l[1] + l[5], t2 = l[2] + l[6], t3 = l[3] + l[7];
    return (t0 + t2) + (t1 + t3);
}

/// The AVX-512 panel tile's shape, shared by `sq_matmul_rows` (which cuts the work into tiles) and
/// `sq_panel_tile_avx512` (which holds one tile's accumulators): activation rows by panel rows (in pairs).
enum { SQ_PANEL_TILE_ROWS = 8, SQ_PANEL_TILE_COLS = 6 };

#if SQ_X86
/// The same reduction as `sq_reduce_lanes`, on a register.
static inline SQ_AVX2 float sq_reduce_m256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1)); // l_j + l_{j+4}
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));                                           // (t0+t2), (t1+t3)
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

/// A mask selecting the first `count` (0...8) lanes, for masked loads of a row's tail.
static inline SQ_AVX2 __m256i sq_tail_mask(size_t count) {
    static const int32_t ramp[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
    return _mm256_loadu_si256((const __m256i *)(ramp + 8 - count));
}

static inline SQ_AVX2 __m256 sq_bytes_to_floats(__m128i eightBytesLow) {
    return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(eightBytesLow));
}

static inline SQ_AVX2 __m256 sq_signed_bytes_to_floats(__m128i eightBytesLow) {
    return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(eightBytesLow));
}

/// Dequantises one 32-element block of `type` (Q4_0, Q4_1 or Q8_0) into four registers of eight elements,
/// with gguf-py's arithmetic (`d·q`, or `d·q + m` rounded twice). Shared by the panel dequantiser and the fused
/// decode kernel so both see the very same floats.
static inline __attribute__((always_inline)) SQ_AVX2 void sq_load_block(const int type, const uint8_t *src, __m256 v[4]) {
    if (type == SQ_TYPE_Q4_0) {
        __m256 d = _mm256_set1_ps(_cvtsh_ss(sq_load_u16(src)));
        // Bytes widened straight to 32-bit lanes: the low nibble is elements 0..15, the high one 16..31.
        __m256i b0 = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(src + 2)));
        __m256i b1 = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(src + 10)));
        const __m256i low4 = _mm256_set1_epi32(0x0F), eight = _mm256_set1_epi32(8);
        v[0] = _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_sub_epi32(_mm256_and_si256(b0, low4), eight)));
        v[1] = _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_sub_epi32(_mm256_and_si256(b1, low4), eight)));
        v[2] = _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_sub_epi32(_mm256_srli_epi32(b0, 4), eight)));
        v[3] = _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_sub_epi32(_mm256_srli_epi32(b1, 4), eight)));
    } else if (type == SQ_TYPE_Q4_1) {
        // d and m converted together: [d, m] broadcast as one 32-bit word, widened, then split in-lane.
        // d·q is exact in float32 (an f16's 11-bit significand times a 4-bit integer), so one fused
        // multiply-add gives bitwise the twice-rounded d·q + m of gguf-py, with one instruction fewer.
        int32_t dm;
        memcpy(&dm, src, 4);
        __m256 both = _mm256_cvtph_ps(_mm_set1_epi32(dm));
        __m256 d = _mm256_permute_ps(both, 0x00), m = _mm256_permute_ps(both, 0x55);
        __m256i b0 = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(src + 4)));
        __m256i b1 = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(src + 12)));
        const __m256i low4 = _mm256_set1_epi32(0x0F);
        v[0] = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(_mm256_and_si256(b0, low4)), m);
        v[1] = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(_mm256_and_si256(b1, low4)), m);
        v[2] = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(_mm256_srli_epi32(b0, 4)), m);
        v[3] = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(_mm256_srli_epi32(b1, 4)), m);
    } else { // Q8_0
        __m256 d = _mm256_set1_ps(_cvtsh_ss(sq_load_u16(src)));
        for (int j = 0; j < 4; j++)
            v[j] = _mm256_mul_ps(d, sq_signed_bytes_to_floats(_mm_loadl_epi64((const __m128i *)(src + 2 + 8 * j))));
    }
}

// The AVX-512 matmul kernels (matmul_avx512.c), for `sq_matmul_rows` on CPUs with AVX-512 F/DQ/BW/VL.

/// The fused decode kernel on weight rows `m_begin ..<` a returned row `j ≤ m_end` (pairs of rows; 0 rows when
/// `type`/`n` do not apply, so `m_begin` comes back). The caller finishes `j ..< m_end`.
size_t sq_fused_decode_avx512(const float *x, size_t n, size_t k, const uint8_t *w, int type, size_t row_bytes,
                              size_t m_begin, size_t m_end, float *out, size_t ldo);

/// One tile of up to 8 activation rows (`k` floats apart) by up to 6 panel rows (`kp` floats apart, 32-byte
/// aligned, zero past `k`).
void sq_panel_tile_avx512(const float *x, size_t k, const float *panel, size_t kp, float *out, size_t ldo,
                          int rows, int cols);
#endif

#endif
