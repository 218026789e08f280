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
    case SQ_TYPE_Q4_0: case SQ_TYPE_Q4_1: case SQ_TYPE_Q8_0: {
        size_t block_bytes = type == SQ_TYPE_Q4_0 ? 18 : type == SQ_TYPE_Q4_1 ? 20 : 34;
        for (size_t b = 0; b < k / 32; b++, src += block_bytes, dst += 32) {
            __m256 v[4];
            if (type == SQ_TYPE_Q4_0) sq_load_block(SQ_TYPE_Q4_0, src, v);
            else if (type == SQ_TYPE_Q4_1) sq_load_block(SQ_TYPE_Q4_1, src, v);
            else sq_load_block(SQ_TYPE_Q8_0, src, v);
            for (int j = 0; j < 4; j++) _mm256_storeu_ps(dst + 8 * j, v[j]);
        }
        break;
    }
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
