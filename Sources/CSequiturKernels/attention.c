// Attention of one query head over its cached positions, in a fixed order (see the header).
#pragma STDC FP_CONTRACT OFF
#include "CSequiturKernels.h"
#include "kernels_common.h"
#include "exp_kernel.h"

// MARK: softmax weights

/// Turns `count` scores (all ≤ their maximum) into weights `exp(s - max)` and returns their sum: eight lane
/// sums (lane l adding positions j ≡ l mod 8 in order) joined by `sq_reduce_lanes`.
static float exponentiate_portable(float *scores, size_t count) {
    float maximum = -INFINITY;
    for (size_t j = 0; j < count; j++) maximum = scores[j] > maximum ? scores[j] : maximum;
    float lanes[8] = {0};
    for (size_t j = 0; j < count; j++) {
        scores[j] = sq_exp(scores[j] - maximum);
        lanes[j % 8] += scores[j];
    }
    return sq_reduce_lanes(lanes);
}

static void soft_cap_scores(float *scores, size_t count, float cap);

static void attention_portable(const float *q, const float *keys, const float *values, const intptr_t *slots,
                               size_t count, size_t stride, size_t hd, float scale, float soft_cap, float *scores,
                               float *out) {
    for (size_t j = 0; j < count; j++) scores[j] = sq_dot(q, keys + slots[j] * stride, hd, 0) * scale;
    soft_cap_scores(scores, count, soft_cap);
    float inverse = 1.0f / exponentiate_portable(scores, count);
    for (size_t i = 0; i < hd; i++) out[i] = 0.0f;
    for (size_t j = 0; j < count; j++) sq_axpy(scores[j], values + slots[j] * stride, out, hd, 0);
    for (size_t i = 0; i < hd; i++) out[i] *= inverse;
}

#if SQ_X86
/// `exponentiate_portable` with eight positions per step.
static SQ_AVX2 float exponentiate_avx2(float *scores, size_t count) {
    __m256 vmax = _mm256_set1_ps(-INFINITY);
    size_t full = count & ~(size_t)7;
    for (size_t j = 0; j < full; j += 8) vmax = _mm256_max_ps(vmax, _mm256_loadu_ps(scores + j));
    float lanes[8];
    _mm256_storeu_ps(lanes, vmax);
    float maximum = -INFINITY;
    for (int l = 0; l < 8; l++) maximum = lanes[l] > maximum ? lanes[l] : maximum;
    for (size_t j = full; j < count; j++) maximum = scores[j] > maximum ? scores[j] : maximum;
    __m256 m = _mm256_set1_ps(maximum), sum = _mm256_setzero_ps();
    for (size_t j = 0; j < full; j += 8) {
        __m256 e = sq_exp_avx2(_mm256_sub_ps(_mm256_loadu_ps(scores + j), m));
        _mm256_storeu_ps(scores + j, e);
        sum = _mm256_add_ps(sum, e);
    }
    _mm256_storeu_ps(lanes, sum);
    for (size_t j = full; j < count; j++) {
        scores[j] = sq_exp(scores[j] - maximum);
        lanes[j % 8] += scores[j];
    }
    return sq_reduce_lanes(lanes);
}

/// Scores of eight positions at once (eight independent FMA chains), each exactly `sq_dot(q, k) * scale`.
static SQ_AVX2 void scores_avx2(const float *q, const float *keys, const intptr_t *slots, size_t count, size_t stride,
                                size_t hd, float scale, float *scores) {
    enum { P = 8 };
    size_t full = hd & ~(size_t)7;
    __m256i mask = sq_tail_mask(hd - full);
    size_t j = 0;
    for (; j + P <= count; j += P) {
        const float *k[P];
        __m256 a[P];
        _Pragma("clang loop unroll(full)")
        for (int p = 0; p < P; p++) {
            k[p] = keys + slots[j + p] * stride;
            a[p] = _mm256_setzero_ps();
        }
        for (size_t i = 0; i < full; i += 8) {
            __m256 qv = _mm256_loadu_ps(q + i);
            _Pragma("clang loop unroll(full)")
            for (int p = 0; p < P; p++) a[p] = _mm256_fmadd_ps(qv, _mm256_loadu_ps(k[p] + i), a[p]);
        }
        if (full < hd) {
            __m256 qv = _mm256_maskload_ps(q + full, mask);
            _Pragma("clang loop unroll(full)")
            for (int p = 0; p < P; p++) a[p] = _mm256_fmadd_ps(qv, _mm256_maskload_ps(k[p] + full, mask), a[p]);
        }
        _Pragma("clang loop unroll(full)")
        for (int p = 0; p < P; p++) scores[j + p] = sq_reduce_m256(a[p]) * scale;
    }
    for (; j < count; j++) scores[j] = sq_dot(q, keys + slots[j] * stride, hd, 1) * scale;
}

/// `out = Σ_j w_j · v_j` in position order, up to 64 output floats held in registers.
static SQ_AVX2 void weighted_values_avx2(const float *values, const intptr_t *slots, size_t count, size_t stride,
                                         size_t hd, const float *weights, float *out, float inverse) {
    for (size_t i0 = 0; i0 < hd; i0 += 64) {
        size_t width = hd - i0 < 64 ? hd - i0 : 64;
        if (width < 64) {
            // Narrow head or tail: the plain per-position axpy (the same operations).
            for (size_t i = 0; i < width; i++) out[i0 + i] = 0.0f;
            for (size_t j = 0; j < count; j++) sq_axpy(weights[j], values + slots[j] * stride + i0, out + i0, width, 1);
            for (size_t i = 0; i < width; i++) out[i0 + i] *= inverse;
            continue;
        }
        __m256 acc[8];
        for (int v = 0; v < 8; v++) acc[v] = _mm256_setzero_ps();
        for (size_t j = 0; j < count; j++) {
            __m256 w = _mm256_set1_ps(weights[j]);
            const float *row = values + slots[j] * stride + i0;
            for (int v = 0; v < 8; v++) acc[v] = _mm256_fmadd_ps(w, _mm256_loadu_ps(row + 8 * v), acc[v]);
        }
        __m256 inv = _mm256_set1_ps(inverse);
        for (int v = 0; v < 8; v++) _mm256_storeu_ps(out + i0 + 8 * v, _mm256_mul_ps(acc[v], inv));
    }
}

/// `exponentiate_avx2` sixteen positions per step: each half adds into the same eight lane sums in the same
/// position order, so the sum is bitwise the AVX2 one.
static SQ_AVX512 float exponentiate_avx512(float *scores, size_t count) {
    __m512 vmax = _mm512_set1_ps(-INFINITY);
    size_t wide = count & ~(size_t)15;
    for (size_t j = 0; j < wide; j += 16) vmax = _mm512_max_ps(vmax, _mm512_loadu_ps(scores + j));
    float maximum = _mm512_reduce_max_ps(vmax);
    for (size_t j = wide; j < count; j++) maximum = scores[j] > maximum ? scores[j] : maximum;
    __m512 m = _mm512_set1_ps(maximum);
    __m256 sum = _mm256_setzero_ps();
    size_t j = 0;
    for (; j < wide; j += 16) {
        __m512 e = sq_exp_avx512(_mm512_sub_ps(_mm512_loadu_ps(scores + j), m));
        _mm512_storeu_ps(scores + j, e);
        sum = _mm256_add_ps(sum, _mm512_castps512_ps256(e));
        sum = _mm256_add_ps(sum, _mm512_extractf32x8_ps(e, 1));
    }
    if (j + 8 <= count) {
        __m256 e = sq_exp_avx2(_mm256_sub_ps(_mm256_loadu_ps(scores + j), _mm512_castps512_ps256(m)));
        _mm256_storeu_ps(scores + j, e);
        sum = _mm256_add_ps(sum, e);
        j += 8;
    }
    float lanes[8];
    _mm256_storeu_ps(lanes, sum);
    for (; j < count; j++) {
        scores[j] = sq_exp(scores[j] - maximum);
        lanes[j % 8] += scores[j];
    }
    return sq_reduce_lanes(lanes);
}

/// Two positions' eight-lane accumulators per register (one per 256-bit half), sixteen positions at a time:
/// each score gets exactly the FMAs of `scores_avx2`, in the same order, so the same bits.
static SQ_AVX512 void scores_avx512(const float *q, const float *keys, const intptr_t *slots, size_t count,
                                    size_t stride, size_t hd, float scale, float *scores) {
    enum { PAIRS = 8 };
    size_t full = hd & ~(size_t)7;
    __mmask8 tail = (__mmask8)((1u << (hd - full)) - 1u);
    size_t j = 0;
    for (; j + 2 * PAIRS <= count; j += 2 * PAIRS) {
        const float *k[2 * PAIRS];
        __m512 a[PAIRS];
        _Pragma("clang loop unroll(full)")
        for (int p = 0; p < 2 * PAIRS; p++) k[p] = keys + slots[j + p] * stride;
        _Pragma("clang loop unroll(full)")
        for (int p = 0; p < PAIRS; p++) a[p] = _mm512_setzero_ps();
        for (size_t i = 0; i < full; i += 8) {
            __m512 qv = _mm512_broadcast_f32x8(_mm256_loadu_ps(q + i));
            _Pragma("clang loop unroll(full)")
            for (int p = 0; p < PAIRS; p++) {
                __m512 kv = _mm512_insertf32x8(_mm512_castps256_ps512(_mm256_loadu_ps(k[2 * p] + i)),
                                               _mm256_loadu_ps(k[2 * p + 1] + i), 1);
                a[p] = _mm512_fmadd_ps(qv, kv, a[p]);
            }
        }
        if (full < hd) {
            __m512 qv = _mm512_broadcast_f32x8(_mm256_maskz_loadu_ps(tail, q + full));
            _Pragma("clang loop unroll(full)")
            for (int p = 0; p < PAIRS; p++) {
                __m512 kv = _mm512_insertf32x8(_mm512_castps256_ps512(_mm256_maskz_loadu_ps(tail, k[2 * p] + full)),
                                               _mm256_maskz_loadu_ps(tail, k[2 * p + 1] + full), 1);
                a[p] = _mm512_fmadd_ps(qv, kv, a[p]);
            }
        }
        _Pragma("clang loop unroll(full)")
        for (int p = 0; p < PAIRS; p++) {
            scores[j + 2 * p] = sq_reduce_m256(_mm512_castps512_ps256(a[p])) * scale;
            scores[j + 2 * p + 1] = sq_reduce_m256(_mm512_extractf32x8_ps(a[p], 1)) * scale;
        }
    }
    // The last positions: each score is the same whichever kernel computes it.
    if (j < count) scores_avx2(q, keys, slots + j, count - j, stride, hd, scale, scores + j);
}

/// `weighted_values_avx2` with sixteen outputs per register: each output gets the same FMAs in the same
/// position order.
static SQ_AVX512 void weighted_values_avx512(const float *values, const intptr_t *slots, size_t count, size_t stride,
                                             size_t hd, const float *weights, float *out, float inverse) {
    size_t wide = hd & ~(size_t)63;
    for (size_t i0 = 0; i0 < wide; i0 += 64) {
        __m512 acc[4];
        for (int v = 0; v < 4; v++) acc[v] = _mm512_setzero_ps();
        for (size_t j = 0; j < count; j++) {
            __m512 w = _mm512_set1_ps(weights[j]);
            const float *row = values + slots[j] * stride + i0;
            for (int v = 0; v < 4; v++) acc[v] = _mm512_fmadd_ps(w, _mm512_loadu_ps(row + 16 * v), acc[v]);
        }
        __m512 inv = _mm512_set1_ps(inverse);
        for (int v = 0; v < 4; v++) _mm512_storeu_ps(out + i0 + 16 * v, _mm512_mul_ps(acc[v], inv));
    }
    if (wide < hd) {
        // The narrow tail, as the AVX2 kernel does it: per-position axpy over the remaining outputs.
        size_t width = hd - wide;
        for (size_t i = 0; i < width; i++) out[wide + i] = 0.0f;
        for (size_t j = 0; j < count; j++) sq_axpy(weights[j], values + slots[j] * stride + wide, out + wide, width, 1);
        for (size_t i = 0; i < width; i++) out[wide + i] *= inverse;
    }
}

// MARK: query heads that share a kv head, together

enum { GROUP_MAX = 4, GROUP_POSITIONS = 8 };

/// `scores_avx512` for `g ≤ 4` queries over the same positions: each key pair is loaded and joined once and
/// serves every query. Each score is still its own eight-lane chain in the order `scores_avx2` gives it, so
/// the bits are those of one query at a time. Query `h`'s scores go to `scores + h·count`.
static inline __attribute__((always_inline)) SQ_AVX512 void scores_group_tile_avx512(
    const float *q, size_t q_stride, const int g, const float *keys, const intptr_t *slots, size_t count,
    size_t stride, size_t hd, float scale, float *scores) {
    enum { PAIRS = GROUP_POSITIONS / 2 };
    const size_t full = hd & ~(size_t)7;
    const __mmask8 tail = (__mmask8)((1u << (hd - full)) - 1u);
    size_t j = 0;
    for (; j + GROUP_POSITIONS <= count; j += GROUP_POSITIONS) {
        const float *k[GROUP_POSITIONS];
        __m512 a[GROUP_MAX][PAIRS];
        _Pragma("clang loop unroll(full)")
        for (int p = 0; p < GROUP_POSITIONS; p++) k[p] = keys + slots[j + p] * stride;
        _Pragma("clang loop unroll(full)")
        for (int h = 0; h < g; h++)
            _Pragma("clang loop unroll(full)")
            for (int p = 0; p < PAIRS; p++) a[h][p] = _mm512_setzero_ps();
        for (size_t i = 0; i < full; i += 8) {
            __m512 kv[PAIRS];
            _Pragma("clang loop unroll(full)")
            for (int p = 0; p < PAIRS; p++)
                kv[p] = _mm512_insertf32x8(_mm512_castps256_ps512(_mm256_loadu_ps(k[2 * p] + i)),
                                           _mm256_loadu_ps(k[2 * p + 1] + i), 1);
            _Pragma("clang loop unroll(full)")
            for (int h = 0; h < g; h++) {
                __m512 qv = _mm512_broadcast_f32x8(_mm256_loadu_ps(q + h * q_stride + i));
                _Pragma("clang loop unroll(full)")
                for (int p = 0; p < PAIRS; p++) a[h][p] = _mm512_fmadd_ps(qv, kv[p], a[h][p]);
            }
        }
        if (full < hd) {
            __m512 kv[PAIRS];
            _Pragma("clang loop unroll(full)")
            for (int p = 0; p < PAIRS; p++)
                kv[p] = _mm512_insertf32x8(_mm512_castps256_ps512(_mm256_maskz_loadu_ps(tail, k[2 * p] + full)),
                                           _mm256_maskz_loadu_ps(tail, k[2 * p + 1] + full), 1);
            _Pragma("clang loop unroll(full)")
            for (int h = 0; h < g; h++) {
                __m512 qv = _mm512_broadcast_f32x8(_mm256_maskz_loadu_ps(tail, q + h * q_stride + full));
                _Pragma("clang loop unroll(full)")
                for (int p = 0; p < PAIRS; p++) a[h][p] = _mm512_fmadd_ps(qv, kv[p], a[h][p]);
            }
        }
        _Pragma("clang loop unroll(full)")
        for (int h = 0; h < g; h++)
            _Pragma("clang loop unroll(full)")
            for (int p = 0; p < PAIRS; p++) {
                scores[h * count + j + 2 * p] = sq_reduce_m256(_mm512_castps512_ps256(a[h][p])) * scale;
                scores[h * count + j + 2 * p + 1] = sq_reduce_m256(_mm512_extractf32x8_ps(a[h][p], 1)) * scale;
            }
    }
    // The last positions, one query at a time: the same score whichever kernel computes it.
    if (j < count)
        for (int h = 0; h < g; h++)
            scores_avx2(q + h * q_stride, keys, slots + j, count - j, stride, hd, scale, scores + h * count + j);
}

/// `weighted_values_avx512` for `g ≤ 4` queries: each value row is loaded once for all of them; every output
/// takes the same fused multiply-adds in the same position order.
static inline __attribute__((always_inline)) SQ_AVX512 void weighted_values_group_tile_avx512(
    const float *values, const intptr_t *slots, size_t count, size_t stride, size_t hd, const float *weights,
    const int g, float *out, size_t out_stride, const float *inverses) {
    const size_t wide = hd & ~(size_t)63;
    for (size_t i0 = 0; i0 < wide; i0 += 64) {
        __m512 acc[GROUP_MAX][4];
        _Pragma("clang loop unroll(full)")
        for (int h = 0; h < g; h++)
            _Pragma("clang loop unroll(full)")
            for (int v = 0; v < 4; v++) acc[h][v] = _mm512_setzero_ps();
        for (size_t j = 0; j < count; j++) {
            const float *row = values + slots[j] * stride + i0;
            __m512 vv[4];
            _Pragma("clang loop unroll(full)")
            for (int v = 0; v < 4; v++) vv[v] = _mm512_loadu_ps(row + 16 * v);
            _Pragma("clang loop unroll(full)")
            for (int h = 0; h < g; h++) {
                __m512 w = _mm512_set1_ps(weights[h * count + j]);
                _Pragma("clang loop unroll(full)")
                for (int v = 0; v < 4; v++) acc[h][v] = _mm512_fmadd_ps(w, vv[v], acc[h][v]);
            }
        }
        _Pragma("clang loop unroll(full)")
        for (int h = 0; h < g; h++) {
            __m512 inv = _mm512_set1_ps(inverses[h]);
            _Pragma("clang loop unroll(full)")
            for (int v = 0; v < 4; v++) _mm512_storeu_ps(out + h * out_stride + i0 + 16 * v, _mm512_mul_ps(acc[h][v], inv));
        }
    }
    if (wide < hd) {
        // The narrow tail, per query, as `weighted_values_avx512` does it.
        size_t width = hd - wide;
        for (int h = 0; h < g; h++) {
            float *o = out + h * out_stride + wide;
            for (size_t i = 0; i < width; i++) o[i] = 0.0f;
            for (size_t j = 0; j < count; j++) sq_axpy(weights[h * count + j], values + slots[j] * stride + wide, o, width, 1);
            for (size_t i = 0; i < width; i++) o[i] *= inverses[h];
        }
    }
}

/// One group of `g` heads: their scores, then each head's cap and softmax weights, then their outputs.
static inline __attribute__((always_inline)) SQ_AVX512 void attention_group_tile_avx512(
    const float *q, size_t q_stride, const int g, const float *keys, const float *values, const intptr_t *slots,
    size_t count, size_t stride, size_t hd, float scale, float soft_cap, float *scores, float *out,
    size_t out_stride) {
    scores_group_tile_avx512(q, q_stride, g, keys, slots, count, stride, hd, scale, scores);
    float inverses[GROUP_MAX];
    for (int h = 0; h < g; h++) {
        soft_cap_scores(scores + h * count, count, soft_cap);
        inverses[h] = 1.0f / exponentiate_avx512(scores + h * count, count);
    }
    weighted_values_group_tile_avx512(values, slots, count, stride, hd, scores, g, out, out_stride, inverses);
}

static SQ_AVX512 void attention_group_avx512(const float *q, size_t q_stride, int g, const float *keys,
                                            const float *values, const intptr_t *slots, size_t count, size_t stride,
                                            size_t hd, float scale, float soft_cap, float *scores, float *out,
                                            size_t out_stride) {
    // A constant group size per case, so each tile's loops unroll over its heads.
    switch (g) {
#define SQ_GROUP_CASE(G) case G: attention_group_tile_avx512(q, q_stride, G, keys, values, slots, count, stride, hd, \
                                                             scale, soft_cap, scores, out, out_stride); break;
    SQ_GROUP_CASE(1) SQ_GROUP_CASE(2) SQ_GROUP_CASE(3) SQ_GROUP_CASE(4)
#undef SQ_GROUP_CASE
    }
}
#endif

/// Gemma 2's soft cap, after the scale and before the maximum, in transformers' order (divide, tanh, multiply).
static void soft_cap_scores(float *scores, size_t count, float cap) {
    if (cap <= 0.0f) return;
    for (size_t j = 0; j < count; j++) scores[j] = tanhf(scores[j] / cap) * cap;
}

void sq_attention_head(const float *q, const float *keys, const float *values, const intptr_t *slots, size_t count,
                       size_t slot_stride, size_t head_dimension, float scale, float soft_cap, float *scores,
                       float *out, int use_simd) {
#if SQ_X86
    if (use_simd >= SQ_KERNELS_AVX512) {
        scores_avx512(q, keys, slots, count, slot_stride, head_dimension, scale, scores);
        soft_cap_scores(scores, count, soft_cap);
        float inverse = 1.0f / exponentiate_avx512(scores, count);
        weighted_values_avx512(values, slots, count, slot_stride, head_dimension, scores, out, inverse);
        return;
    }
    if (use_simd) {
        scores_avx2(q, keys, slots, count, slot_stride, head_dimension, scale, scores);
        soft_cap_scores(scores, count, soft_cap);
        float inverse = 1.0f / exponentiate_avx2(scores, count);
        weighted_values_avx2(values, slots, count, slot_stride, head_dimension, scores, out, inverse);
        return;
    }
#endif
    (void)use_simd;
    attention_portable(q, keys, values, slots, count, slot_stride, head_dimension, scale, soft_cap, scores, out);
}

void sq_attention_heads(const float *q, size_t heads, const float *keys, const float *values, const intptr_t *slots,
                        size_t count, size_t slot_stride, size_t head_dimension, float scale, float soft_cap,
                        float *scores, float *out, int use_simd) {
#if SQ_X86
    // One head alone keeps `sq_attention_head`'s sixteen positions per step.
    if (use_simd >= SQ_KERNELS_AVX512 && heads > 1) {
        for (size_t h0 = 0; h0 < heads; h0 += GROUP_MAX) {
            int g = (int)(heads - h0 < GROUP_MAX ? heads - h0 : GROUP_MAX);
            attention_group_avx512(q + h0 * head_dimension, head_dimension, g, keys, values, slots, count, slot_stride,
                                   head_dimension, scale, soft_cap, scores, out + h0 * head_dimension, head_dimension);
        }
        return;
    }
#endif
    for (size_t h = 0; h < heads; h++)
        sq_attention_head(q + h * head_dimension, keys, values, slots, count, slot_stride, head_dimension, scale,
                          soft_cap, scores, out + h * head_dimension, use_simd);
}
