// Element-wise kernels whose AVX2 and portable paths agree bitwise.
#pragma STDC FP_CONTRACT OFF
#include "CSequiturKernels.h"
#include "kernels_common.h"
#include "exp_kernel.h"

#if SQ_X86
static SQ_AVX2 void silu_mul_avx2(const float *gate, const float *up, float *out, size_t count) {
    size_t i = 0;
    const __m256 one = _mm256_set1_ps(1.0f), sign = _mm256_set1_ps(-0.0f);
    for (; i + 8 <= count; i += 8) {
        __m256 g = _mm256_loadu_ps(gate + i);
        __m256 e = sq_exp_avx2(_mm256_xor_ps(g, sign));
        _mm256_storeu_ps(out + i, _mm256_mul_ps(_mm256_div_ps(g, _mm256_add_ps(one, e)), _mm256_loadu_ps(up + i)));
    }
    for (; i < count; i++) out[i] = gate[i] / (1.0f + sq_exp(-gate[i])) * up[i];
}
#endif

void sq_silu_mul(const float *gate, const float *up, float *out, size_t count, int use_simd) {
#if SQ_X86
    if (use_simd) {
        silu_mul_avx2(gate, up, out, count);
        return;
    }
#endif
    (void)use_simd;
    for (size_t i = 0; i < count; i++) out[i] = gate[i] / (1.0f + sq_exp(-gate[i])) * up[i];
}

// GELU (tanh approximation) times up, as PyTorch's CPU kernel orders it: kBeta = √2 · (2/√π) · 0.5 = √(2/π),
// inner = kBeta · (x + 0.044715 · x³), 0.5 · x · (1 + tanh(inner)). Scalar only: GeGLU families are rare enough
// that one exact path is worth more than a vector tanh approximation.
void sq_gelu_mul(const float *gate, const float *up, float *out, size_t count) {
    const float beta = (float)0.79788456080286535588, kappa = 0.044715f; // √2 · (2/√π) · 0.5, rounded once
    for (size_t i = 0; i < count; i++) {
        float x = gate[i];
        float cube = x * x * x;
        float inner = beta * (x + kappa * cube);
        out[i] = 0.5f * x * (1.0f + tanhf(inner)) * up[i];
    }
}

void sq_scale(const float *x, float factor, float *out, size_t count) {
    for (size_t i = 0; i < count; i++) out[i] = x[i] * factor;
}

void sq_soft_cap(const float *x, float cap, float *out, size_t count) {
    for (size_t i = 0; i < count; i++) out[i] = tanhf(x[i] / cap) * cap;
}
