// Dequantisation of GGML weight rows to float32, with the exact arithmetic gguf-py uses (and so what
// transformers sees): Q4_1 is `d·q + m` rounded twice (never fused), Q8_0 and Q4_0 are `d·q`.
#pragma STDC FP_CONTRACT OFF
#include "CSequiturKernels.h"
#include "kernels_common.h"

int sq_type_is_supported(int type) {
    switch (type) {
    case SQ_TYPE_F32: case SQ_TYPE_F16: case SQ_TYPE_BF16:
    case SQ_TYPE_Q4_0: case SQ_TYPE_Q4_1: case SQ_TYPE_Q8_0:
        return 1;
    default:
        return 0;
    }
}

static void dequantize_row_portable(int type, const uint8_t *src, size_t k, float *dst) {
    switch (type) {
    case SQ_TYPE_F32:
        memcpy(dst, src, k * sizeof(float));
        break;
    case SQ_TYPE_F16:
        for (size_t i = 0; i < k; i++) dst[i] = sq_f16_to_f32(sq_load_u16(src + 2 * i));
        break;
    case SQ_TYPE_BF16:
        for (size_t i = 0; i < k; i++) {
            uint32_t bits = (uint32_t)sq_load_u16(src + 2 * i) << 16;
            memcpy(dst + i, &bits, 4);
        }
        break;
    case SQ_TYPE_Q4_0:
        for (size_t b = 0; b < k / 32; b++, src += 18, dst += 32) {
            float d = sq_f16_to_f32(sq_load_u16(src));
            for (int j = 0; j < 16; j++) {
                dst[j] = d * (float)((int)(src[2 + j] & 0x0F) - 8);
                dst[j + 16] = d * (float)((int)(src[2 + j] >> 4) - 8);
            }
        }
        break;
    case SQ_TYPE_Q4_1:
        for (size_t b = 0; b < k / 32; b++, src += 20, dst += 32) {
            float d = sq_f16_to_f32(sq_load_u16(src));
            float m = sq_f16_to_f32(sq_load_u16(src + 2));
            for (int j = 0; j < 16; j++) {
                float lo = d * (float)(src[4 + j] & 0x0F);
                float hi = d * (float)(src[4 + j] >> 4);
                dst[j] = lo + m;
                dst[j + 16] = hi + m;
            }
        }
        break;
    case SQ_TYPE_Q8_0:
        for (size_t b = 0; b < k / 32; b++, src += 34, dst += 32) {
            float d = sq_f16_to_f32(sq_load_u16(src));
            for (int j = 0; j < 32; j++) dst[j] = d * (float)(int8_t)src[2 + j];
        }
        break;
    }
}

#if SQ_X86
static inline SQ_AVX2 __m256 bytes_to_floats(__m128i eightBytesLow) {
    return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(eightBytesLow));
}

static SQ_AVX2 void dequantize_row_avx2(int type, const uint8_t *src, size_t k, float *dst) {
    switch (type) {
    case SQ_TYPE_F16: {
        size_t i = 0;
        for (; i + 8 <= k; i += 8)
            _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(src + 2 * i))));
        for (; i < k; i++) dst[i] = sq_f16_to_f32(sq_load_u16(src + 2 * i));
        break;
    }
    case SQ_TYPE_BF16: {
        size_t i = 0;
        for (; i + 8 <= k; i += 8) {
            __m256i wide = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(src + 2 * i)));
            _mm256_storeu_ps(dst + i, _mm256_castsi256_ps(_mm256_slli_epi32(wide, 16)));
        }
        for (; i < k; i++) {
            uint32_t bits = (uint32_t)sq_load_u16(src + 2 * i) << 16;
            memcpy(dst + i, &bits, 4);
        }
        break;
    }
    case SQ_TYPE_Q4_0: {
        const __m128i low4 = _mm_set1_epi8(0x0F), eight = _mm_set1_epi8(8);
        for (size_t b = 0; b < k / 32; b++, src += 18, dst += 32) {
            __m256 d = _mm256_set1_ps(sq_f16_to_f32(sq_load_u16(src)));
            __m128i q = _mm_loadu_si128((const __m128i *)(src + 2));
            __m128i lo = _mm_sub_epi8(_mm_and_si128(q, low4), eight);
            __m128i hi = _mm_sub_epi8(_mm_and_si128(_mm_srli_epi16(q, 4), low4), eight);
            _mm256_storeu_ps(dst + 0, _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(lo))));
            _mm256_storeu_ps(dst + 8, _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(lo, 8)))));
            _mm256_storeu_ps(dst + 16, _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(hi))));
            _mm256_storeu_ps(dst + 24, _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(hi, 8)))));
        }
        break;
    }
    case SQ_TYPE_Q4_1: {
        const __m128i low4 = _mm_set1_epi8(0x0F);
        for (size_t b = 0; b < k / 32; b++, src += 20, dst += 32) {
            __m256 d = _mm256_set1_ps(sq_f16_to_f32(sq_load_u16(src)));
            __m256 m = _mm256_set1_ps(sq_f16_to_f32(sq_load_u16(src + 2)));
            __m128i q = _mm_loadu_si128((const __m128i *)(src + 4));
            __m128i lo = _mm_and_si128(q, low4);
            __m128i hi = _mm_and_si128(_mm_srli_epi16(q, 4), low4);
            _mm256_storeu_ps(dst + 0, _mm256_add_ps(_mm256_mul_ps(d, bytes_to_floats(lo)), m));
            _mm256_storeu_ps(dst + 8, _mm256_add_ps(_mm256_mul_ps(d, bytes_to_floats(_mm_srli_si128(lo, 8))), m));
            _mm256_storeu_ps(dst + 16, _mm256_add_ps(_mm256_mul_ps(d, bytes_to_floats(hi)), m));
            _mm256_storeu_ps(dst + 24, _mm256_add_ps(_mm256_mul_ps(d, bytes_to_floats(_mm_srli_si128(hi, 8))), m));
        }
        break;
    }
    case SQ_TYPE_Q8_0:
        for (size_t b = 0; b < k / 32; b++, src += 34, dst += 32) {
            __m256 d = _mm256_set1_ps(sq_f16_to_f32(sq_load_u16(src)));
            for (int j = 0; j < 32; j += 8) {
                __m128i q = _mm_loadl_epi64((const __m128i *)(src + 2 + j));
                _mm256_storeu_ps(dst + j, _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q))));
            }
        }
        break;
    default:
        dequantize_row_portable(type, src, k, dst);
    }
}
#endif

void sq_dequantize_rows(int type, const void *src, size_t row_bytes, size_t rows, size_t k,
                        float *dst, size_t ldd, int use_simd) {
    const uint8_t *p = (const uint8_t *)src;
    for (size_t r = 0; r < rows; r++) {
#if SQ_X86
        if (use_simd) {
            dequantize_row_avx2(type, p + r * row_bytes, k, dst + r * ldd);
            continue;
        }
#endif
        (void)use_simd;
        dequantize_row_portable(type, p + r * row_bytes, k, dst + r * ldd);
    }
}
