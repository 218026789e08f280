// Dequantisation of GGML weight rows to float32, with the exact arithmetic gguf-py uses (and so what
// transformers sees): Q4_1 and Q5_1 are `d·q + m` rounded twice, Q8_0, Q4_0 and Q5_0 are `d·q`. d·q is exact in
// float32 (an f16 significand times a small integer), so a fused multiply-add gives the same float.
// The AVX2 path covers the types decode reads most; the others take the portable loops on both paths.
#pragma STDC FP_CONTRACT OFF
#include "CSequiturKernels.h"
#include "kernels_common.h"

int sq_type_is_supported(int type) {
    switch (type) {
    case SQ_TYPE_F32: case SQ_TYPE_F16: case SQ_TYPE_BF16:
    case SQ_TYPE_Q4_0: case SQ_TYPE_Q4_1: case SQ_TYPE_Q5_0: case SQ_TYPE_Q5_1: case SQ_TYPE_Q8_0:
    case SQ_TYPE_Q2_K: case SQ_TYPE_Q3_K: case SQ_TYPE_Q4_K: case SQ_TYPE_Q5_K: case SQ_TYPE_Q6_K:
        return 1;
    default:
        return 0;
    }
}

/// The 5-bit value `j` (0..31) of a Q5_0 or Q5_1 block: its low 4 bits are nibbles of `qs` (elements 0..15
/// in the low nibbles, 16..31 in the high ones), its fifth bit is bit `j` of the little-endian word `qh`.
static inline int q5_value(const uint8_t *qh, const uint8_t *qs, int j) {
    uint32_t high = (uint32_t)qh[0] | (uint32_t)qh[1] << 8 | (uint32_t)qh[2] << 16 | (uint32_t)qh[3] << 24;
    int low = j < 16 ? qs[j] & 0x0F : qs[j - 16] >> 4;
    return low | (int)((high >> j) & 1) << 4;
}

/// The 6-bit scale and min of sub-block `j` (0..7) of a Q4_K or Q5_K block, packed in 12 bytes `s`.
static inline void k_scale_min(const uint8_t *s, int j, int *scale, int *min) {
    if (j < 4) {
        *scale = s[j] & 0x3F;
        *min = s[j + 4] & 0x3F;
    } else {
        *scale = (s[j + 4] & 0x0F) | ((s[j - 4] >> 2) & 0x30);
        *min = (s[j + 4] >> 4) | ((s[j] >> 2) & 0x30);
    }
}

/// Q4_K and Q5_K: 256 elements in 8 sub-blocks of 32, each with a 6-bit scale and min packed into 12 bytes,
/// the low 4 bits of each value in nibbles; Q5_K adds a fifth bit per element in 32 bytes `qh` (bit `j` of
/// `qh[i]` for element `32j + i`). value = (d·scale)·q − (dmin·min), each product and the difference rounded
/// (gguf-py's order).
static void dequantize_q4_q5_k(const uint8_t *src, size_t k, float *dst, int five_bits) {
    size_t block_bytes = five_bits ? 176 : 144;
    for (size_t b = 0; b < k / 256; b++, src += block_bytes, dst += 256) {
        float d = sq_f16_to_f32(sq_load_u16(src)), dmin = sq_f16_to_f32(sq_load_u16(src + 2));
        const uint8_t *s = src + 4, *qh = src + 16, *qs = src + (five_bits ? 48 : 16);
        for (int j = 0; j < 8; j++) {
            int scale, min;
            k_scale_min(s, j, &scale, &min);
            float ds = d * (float)scale, dm = dmin * (float)min;
            const uint8_t *q = qs + 32 * (j / 2);
            int shift = 4 * (j % 2);
            for (int i = 0; i < 32; i++) {
                int value = (q[i] >> shift) & 0x0F;
                if (five_bits) value |= ((qh[i] >> j) & 1) << 4;
                float scaled = ds * (float)value;
                dst[32 * j + i] = scaled - dm;
            }
        }
    }
}

/// Q2_K: 256 elements in 16 sub-blocks of 16, 16 scale bytes (low nibble the scale, high nibble the min),
/// 64 bytes of 2-bit values, f16 d and dmin. Element e = 128·h + 32·s + i is bits 2s..2s+1 of byte 32·h + i;
/// value = (d·scale)·q − (dmin·min), each product and the difference rounded (gguf-py's order).
static void dequantize_q2_k(const uint8_t *src, size_t k, float *dst) {
    for (size_t b = 0; b < k / 256; b++, src += 84, dst += 256) {
        const uint8_t *scales = src, *qs = src + 16;
        float d = sq_f16_to_f32(sq_load_u16(src + 80)), dmin = sq_f16_to_f32(sq_load_u16(src + 82));
        for (int e = 0; e < 256; e++) {
            int q = (qs[32 * (e / 128) + e % 32] >> (2 * ((e % 128) / 32))) & 3;
            float dl = d * (float)(scales[e / 16] & 0x0F), ml = dmin * (float)(scales[e / 16] >> 4);
            float scaled = dl * (float)q;
            dst[e] = scaled - ml;
        }
    }
}

/// Q3_K: 256 elements in 16 sub-blocks of 16: 32 bytes of high-bit mask, 64 bytes of 2-bit values (laid out as
/// Q2_K's), 12 bytes of 6-bit scales biased by 32 (low 4 bits: bytes 0–7, low nibbles then high; high 2 bits:
/// bytes 8–11, two bits per sub-block), f16 d. Element e's mask bit is bit e / 32 of byte e % 32, and a clear
/// bit subtracts 4. value = (d·scale)·q.
static void dequantize_q3_k(const uint8_t *src, size_t k, float *dst) {
    for (size_t b = 0; b < k / 256; b++, src += 110, dst += 256) {
        const uint8_t *hmask = src, *qs = src + 32, *sc = src + 96;
        float d = sq_f16_to_f32(sq_load_u16(src + 108));
        for (int e = 0; e < 256; e++) {
            int j = e / 16;
            int low = j < 8 ? sc[j] & 0x0F : sc[j - 8] >> 4;
            int high = (sc[8 + j % 4] >> (2 * (j / 4))) & 3;
            float dl = d * (float)((low | high << 4) - 32);
            int q = (qs[32 * (e / 128) + e % 32] >> (2 * ((e % 128) / 32))) & 3;
            if (!((hmask[e % 32] >> (e / 32)) & 1)) q -= 4;
            dst[e] = dl * (float)q;
        }
    }
}

/// Q6_K: 256 elements, 4 low bits in `ql`, 2 high bits in `qh`, a signed 8-bit scale per 16 elements;
/// value = (d·scale)·(q − 32).
static void dequantize_q6_k(const uint8_t *src, size_t k, float *dst) {
    for (size_t b = 0; b < k / 256; b++, src += 210, dst += 256) {
        const uint8_t *ql = src, *qh = src + 128;
        const int8_t *scales = (const int8_t *)(src + 192);
        float d = sq_f16_to_f32(sq_load_u16(src + 208));
        for (int e = 0; e < 256; e++) {
            int half = e / 128, within = e % 128;
            int low = (ql[64 * half + within % 64] >> (4 * (within / 64))) & 0x0F;
            int high = (qh[32 * half + within % 32] >> (2 * (within / 32))) & 0x03;
            float ds = d * (float)scales[e / 16];
            dst[e] = ds * (float)((low | (high << 4)) - 32);
        }
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
    case SQ_TYPE_Q5_0:
        for (size_t b = 0; b < k / 32; b++, src += 22, dst += 32) {
            float d = sq_f16_to_f32(sq_load_u16(src));
            for (int j = 0; j < 32; j++) dst[j] = d * (float)(q5_value(src + 2, src + 6, j) - 16);
        }
        break;
    case SQ_TYPE_Q5_1:
        for (size_t b = 0; b < k / 32; b++, src += 24, dst += 32) {
            float d = sq_f16_to_f32(sq_load_u16(src));
            float m = sq_f16_to_f32(sq_load_u16(src + 2));
            for (int j = 0; j < 32; j++) {
                float scaled = d * (float)q5_value(src + 4, src + 8, j);
                dst[j] = scaled + m;
            }
        }
        break;
    case SQ_TYPE_Q8_0:
        for (size_t b = 0; b < k / 32; b++, src += 34, dst += 32) {
            float d = sq_f16_to_f32(sq_load_u16(src));
            for (int j = 0; j < 32; j++) dst[j] = d * (float)(int8_t)src[2 + j];
        }
        break;
    case SQ_TYPE_Q2_K:
        dequantize_q2_k(src, k, dst);
        break;
    case SQ_TYPE_Q3_K:
        dequantize_q3_k(src, k, dst);
        break;
    case SQ_TYPE_Q4_K:
        dequantize_q4_q5_k(src, k, dst, 0);
        break;
    case SQ_TYPE_Q5_K:
        dequantize_q4_q5_k(src, k, dst, 1);
        break;
    case SQ_TYPE_Q6_K:
        dequantize_q6_k(src, k, dst);
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

/// Q4_0, Q4_1 and Q8_0 blocks sixteen elements per register, with `sq_load_block`'s arithmetic element for
/// element (so the same floats); the other types go to the AVX2 path.
static SQ_AVX512 void dequantize_row_avx512(int type, const uint8_t *src, size_t k, float *dst) {
    if (type != SQ_TYPE_Q4_0 && type != SQ_TYPE_Q4_1 && type != SQ_TYPE_Q8_0) {
        dequantize_row_avx2(type, src, k, dst);
        return;
    }
    const size_t block_bytes = type == SQ_TYPE_Q4_0 ? 18 : type == SQ_TYPE_Q4_1 ? 20 : 34;
    const __m512i low4 = _mm512_set1_epi32(0x0F), eight = _mm512_set1_epi32(8);
    for (size_t b = 0; b < k / 32; b++, src += block_bytes, dst += 32) {
        __m512 v0, v1;
        if (type == SQ_TYPE_Q8_0) {
            __m512 d = _mm512_set1_ps(_cvtsh_ss(sq_load_u16(src)));
            v0 = _mm512_mul_ps(d, _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(src + 2)))));
            v1 = _mm512_mul_ps(d, _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(src + 18)))));
        } else {
            const int offset = type == SQ_TYPE_Q4_1 ? 4 : 2;
            // Byte i holds element i in its low nibble and element i + 16 in its high one.
            __m512i bytes = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(src + offset)));
            __m512i q0 = _mm512_and_si512(bytes, low4), q1 = _mm512_srli_epi32(bytes, 4);
            __m512 d = _mm512_set1_ps(_cvtsh_ss(sq_load_u16(src)));
            if (type == SQ_TYPE_Q4_0) {
                v0 = _mm512_mul_ps(d, _mm512_cvtepi32_ps(_mm512_sub_epi32(q0, eight)));
                v1 = _mm512_mul_ps(d, _mm512_cvtepi32_ps(_mm512_sub_epi32(q1, eight)));
            } else {
                __m512 m = _mm512_set1_ps(_cvtsh_ss(sq_load_u16(src + 2)));
                v0 = _mm512_fmadd_ps(d, _mm512_cvtepi32_ps(q0), m); // exact d·q: see sq_load_block
                v1 = _mm512_fmadd_ps(d, _mm512_cvtepi32_ps(q1), m);
            }
        }
        _mm512_storeu_ps(dst, v0);
        _mm512_storeu_ps(dst + 16, v1);
    }
}
#endif

void sq_dequantize_rows(int type, const void *src, size_t row_bytes, size_t rows, size_t k,
                        float *dst, size_t ldd, int use_simd) {
    const uint8_t *p = (const uint8_t *)src;
    for (size_t r = 0; r < rows; r++) {
#if SQ_X86
        if (use_simd >= SQ_KERNELS_AVX512) {
            dequantize_row_avx512(type, p + r * row_bytes, k, dst + r * ldd);
            continue;
        }
        if (use_simd) {
            dequantize_row_avx2(type, p + r * row_bytes, k, dst + r * ldd);
            continue;
        }
#endif
        (void)use_simd;
        dequantize_row_portable(type, p + r * row_bytes, k, dst + r * ldd);
    }
}
