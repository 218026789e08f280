// An exp built from exactly rounded operations, the same on every kernel path.
//
// expf from libm costs a call per element and has no vector twin with the same results; this Cephes-style exp
// is made of fused multiply-adds, multiplies, adds and a round-to-nearest-even that the AVX-512, AVX2 and
// portable versions perform one for one, so they agree bitwise. Within ~2 ulp of exp. Below -87 it returns 0 (under
// 2⁻¹²⁵: nothing a softmax weight or a SiLU gate notices), above 88.376 +inf, and 0 for NaN.
#ifndef SQ_EXP_KERNEL_H
#define SQ_EXP_KERNEL_H
#include "kernels_common.h"

#define SQ_EXP_LOG2E 1.44269504088896341f
#define SQ_EXP_LN2_HI 0.693359375f
#define SQ_EXP_LN2_LO -2.12194440e-4f
#define SQ_EXP_LOWEST -87.0f
#define SQ_EXP_HIGHEST 88.3762626647949f
static const float sq_exp_poly[6] = {1.9875691500e-4f, 1.3981999507e-3f, 8.3334519073e-3f,
                                     4.1665795894e-2f, 1.6666665459e-1f, 5.0000001201e-1f};

static inline float sq_exp(float x) {
    if (!(x >= SQ_EXP_LOWEST)) return 0.0f;
    if (x > SQ_EXP_HIGHEST) return INFINITY;
    float n = rintf(x * SQ_EXP_LOG2E);  // in [-126, 127] on this domain
    float r = fmaf(-n, SQ_EXP_LN2_HI, x);
    r = fmaf(-n, SQ_EXP_LN2_LO, r);
    float p = sq_exp_poly[0];
    for (int i = 1; i < 6; i++) p = fmaf(p, r, sq_exp_poly[i]);
    float y = fmaf(p, r * r, r) + 1.0f;
    uint32_t bits = (uint32_t)((int32_t)n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, 4);
    return y * scale;
}

#if SQ_X86
static inline SQ_AVX2 __m256 sq_exp_avx2(__m256 x) {
    __m256 keep = _mm256_cmp_ps(x, _mm256_set1_ps(SQ_EXP_LOWEST), _CMP_GE_OQ);
    __m256 huge = _mm256_cmp_ps(x, _mm256_set1_ps(SQ_EXP_HIGHEST), _CMP_GT_OQ);
    __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(SQ_EXP_LOG2E)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 minusN = _mm256_xor_ps(n, _mm256_set1_ps(-0.0f)); // exactly the scalar -n, signed zero included
    __m256 r = _mm256_fmadd_ps(minusN, _mm256_set1_ps(SQ_EXP_LN2_HI), x);
    r = _mm256_fmadd_ps(minusN, _mm256_set1_ps(SQ_EXP_LN2_LO), r);
    __m256 p = _mm256_set1_ps(sq_exp_poly[0]);
    for (int i = 1; i < 6; i++) p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(sq_exp_poly[i]));
    __m256 y = _mm256_add_ps(_mm256_fmadd_ps(p, _mm256_mul_ps(r, r), r), _mm256_set1_ps(1.0f));
    // n is clamped to [-126, 127] so lanes about to be replaced cannot corrupt the exponent field.
    __m256 clamped = _mm256_min_ps(_mm256_max_ps(n, _mm256_set1_ps(-126.0f)), _mm256_set1_ps(127.0f));
    __m256i e = _mm256_cvtps_epi32(clamped);
    __m256 scale = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(e, _mm256_set1_epi32(127)), 23));
    __m256 result = _mm256_and_ps(_mm256_mul_ps(y, scale), keep);
    return _mm256_blendv_ps(result, _mm256_set1_ps(INFINITY), huge);
}

/// `sq_exp_avx2` on sixteen lanes: the same operations one for one, so the same bits.
static inline SQ_AVX512 __m512 sq_exp_avx512(__m512 x) {
    __mmask16 keep = _mm512_cmp_ps_mask(x, _mm512_set1_ps(SQ_EXP_LOWEST), _CMP_GE_OQ);
    __mmask16 huge = _mm512_cmp_ps_mask(x, _mm512_set1_ps(SQ_EXP_HIGHEST), _CMP_GT_OQ);
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(SQ_EXP_LOG2E)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 minusN = _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(n), _mm512_set1_epi32((int)0x80000000)));
    __m512 r = _mm512_fmadd_ps(minusN, _mm512_set1_ps(SQ_EXP_LN2_HI), x);
    r = _mm512_fmadd_ps(minusN, _mm512_set1_ps(SQ_EXP_LN2_LO), r);
    __m512 p = _mm512_set1_ps(sq_exp_poly[0]);
    for (int i = 1; i < 6; i++) p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(sq_exp_poly[i]));
    __m512 y = _mm512_add_ps(_mm512_fmadd_ps(p, _mm512_mul_ps(r, r), r), _mm512_set1_ps(1.0f));
    __m512 clamped = _mm512_min_ps(_mm512_max_ps(n, _mm512_set1_ps(-126.0f)), _mm512_set1_ps(127.0f));
    __m512i e = _mm512_cvtps_epi32(clamped);
    __m512 scale = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(e, _mm512_set1_epi32(127)), 23));
    __m512 result = _mm512_maskz_mov_ps(keep, _mm512_mul_ps(y, scale));
    return _mm512_mask_mov_ps(result, huge, _mm512_set1_ps(INFINITY));
}
#endif

#endif
