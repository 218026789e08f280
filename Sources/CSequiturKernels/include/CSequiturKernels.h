#ifndef CSEQUITUR_KERNELS_H
#define CSEQUITUR_KERNELS_H
#include <stddef.h>
#include <stdint.h>

/// 1 when the CPU supports AVX2, FMA and F16C (checked once at run time).
int sq_cpu_has_avx2_fma(void);

/// Kernel paths, for the `use_simd` argument of the kernels: every path gives bitwise the same results.
enum {
    SQ_KERNELS_PORTABLE = 0,
    SQ_KERNELS_AVX2 = 1,   // AVX2 + FMA + F16C
    SQ_KERNELS_AVX512 = 2, // and AVX-512 F, DQ, BW, VL
};

/// The widest path this CPU (and its operating system) runs.
int sq_cpu_kernel_level(void);

/// Weight element types, numbered as GGML numbers them (`ggml_type`).
enum {
    SQ_TYPE_F32 = 0,
    SQ_TYPE_F16 = 1,
    SQ_TYPE_Q4_0 = 2,
    SQ_TYPE_Q4_1 = 3,
    SQ_TYPE_Q5_0 = 6,
    SQ_TYPE_Q5_1 = 7,
    SQ_TYPE_Q8_0 = 8,
    SQ_TYPE_Q2_K = 10,
    SQ_TYPE_Q3_K = 11,
    SQ_TYPE_Q4_K = 12,
    SQ_TYPE_Q5_K = 13,
    SQ_TYPE_Q6_K = 14,
    SQ_TYPE_BF16 = 30,
};

/// 1 when `type` is one the kernels can dequantise and multiply.
int sq_type_is_supported(int type);

/// Dequantises `rows` rows of `k` elements (each row `row_bytes` bytes of `type`, rows one after another
/// from `src`) into float32 rows of `dst` spaced `ldd` floats apart. Only the first `k` floats of each
/// destination row are written. `use_simd` picks the path (`SQ_KERNELS_*`); every path gives bitwise the same
/// floats.
void sq_dequantize_rows(int type, const void *src, size_t row_bytes, size_t rows, size_t k,
                        float *dst, size_t ldd, int use_simd);

/// Floats of scratch `sq_matmul_rows` needs for `n` activation rows of `k` columns (64-byte aligned please).
size_t sq_matmul_scratch_floats(size_t n, size_t k);

/// `out[r][j] = dot(x[r], W[j])` for weight rows `j` in `m_begin ..< m_end` and activation rows `r < n`.
///
/// `x` is `n × k` float32 (rows `k` apart), `w` points at weight row 0 (rows `row_bytes` apart, of `type`),
/// `out` rows are `ldo` floats apart. Every output is the same fixed-order reduction: eight lane partial sums,
/// lane `l` accumulating (with fused multiply-add) the products at `k ≡ l (mod 8)` in increasing `k`, then
/// `((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7))`. So a result depends on its own row and weight row only: never
/// on `n`, on the row range, or on `use_simd` (a `SQ_KERNELS_*` path no wider than `sq_cpu_kernel_level()`).
/// `scratch` holds `sq_matmul_scratch_floats(n, k)` floats, 64-byte aligned.
/// Returns 0, or -1 when `type` is not supported.
int sq_matmul_rows(const float *x, size_t n, size_t k, const void *w, int type, size_t row_bytes,
                   size_t m_begin, size_t m_end, float *out, size_t ldo, float *scratch, int use_simd);

/// The same fixed-order dot product of two float vectors as `sq_matmul_rows` uses.
float sq_dot(const float *a, const float *b, size_t k, int use_simd);

/// `y[i] += a * x[i]` for `i < k`, one fused multiply-add per element (so both paths agree bitwise).
void sq_axpy(float a, const float *x, float *y, size_t k, int use_simd);

/// `out[i] = gate[i] / (1 + exp(-gate[i])) · up[i]` (SiLU times up) with the kernels' own exp (within ~2 ulp);
/// both paths give bitwise the same result.
void sq_silu_mul(const float *gate, const float *up, float *out, size_t count, int use_simd);

/// `out[i] = 0.5·g·(1 + tanhf(√(2/π)·(g + 0.044715·g³)))·up[i]` with `g = gate[i]`, in PyTorch's order of
/// operations for `gelu(approximate="tanh")` (one scalar path: libm's `tanhf`).
void sq_gelu_mul(const float *gate, const float *up, float *out, size_t count);

/// `out[i] = x[i] · factor` (`out` may be `x`).
void sq_scale(const float *x, float factor, float *out, size_t count);

/// `out[i] = cap · tanhf(x[i] / cap)` (`out` may be `x`).
void sq_soft_cap(const float *x, float cap, float *out, size_t count);

/// Attention of one query head over `count` cached positions.
///
/// Position `j`'s key and value rows start at `keys + slots[j] * slot_stride` and
/// `values + slots[j] * slot_stride` (already offset to the right kv head); `q` and `out` hold
/// `head_dimension` floats. Scores are `sq_dot(q, key) * scale`; the softmax subtracts their maximum, sums
/// `expf(s - max)` in position order, accumulates `weight · value` with one fused multiply-add per element in
/// position order, and multiplies by `1 / sum` at the end. With `soft_cap > 0` each scaled score becomes
/// `soft_cap · tanhf(score / soft_cap)` first (Gemma 2), one scalar pass shared by every path. `scores` holds
/// `count` floats of scratch. Both paths give bitwise the same result.
void sq_attention_head(const float *q, const float *keys, const float *values, const intptr_t *slots, size_t count,
                       size_t slot_stride, size_t head_dimension, float scale, float soft_cap, float *scores,
                       float *out, int use_simd);

/// `sq_attention_head` for `heads` consecutive query heads that read the same kv head and positions: query `h`
/// at `q + h·head_dimension`, its output at `out + h·head_dimension`. On AVX-512 up to four heads run
/// together, each key and value row loaded once for all of them; every head's result is bitwise the one
/// `sq_attention_head` gives it. `scores` holds `min(heads, 4) · count` floats of scratch.
void sq_attention_heads(const float *q, size_t heads, const float *keys, const float *values, const intptr_t *slots,
                        size_t count, size_t slot_stride, size_t head_dimension, float scale, float soft_cap,
                        float *scores, float *out, int use_simd);

/// What `sq_log_softmax_stats` found in a row.
enum {
    SQ_ROW_FINITE = 0, // a distribution: log-probs are `(x - maximum) - log_sum`
    SQ_ROW_MASKED = 1, // every entry -inf: no token is possible, every log-prob is -inf
    SQ_ROW_NAN = 2,    // a NaN or +inf entry: the model overflowed, every log-prob is NaN
};

/// One row's log-softmax statistics: its largest non-NaN entry, the lowest index holding it (0 when it is
/// -inf), and `log Σ_j exp(x_j - maximum)`. The sum has one order on every path: sixteen double lane sums,
/// lane l adding the kernels' own exp (within ~2 ulp) of the entries j ≡ l (mod 16) in increasing j, joined by
/// a fixed tree; its log is taken in double and rounded once. So the answer depends on the row alone, never
/// on `use_simd` (a `SQ_KERNELS_*` path). Returns an `SQ_ROW_*` value.
int sq_log_softmax_stats(const float *row, size_t count, int use_simd, float *maximum, size_t *argmax,
                         float *log_sum);

/// `out[j] = (row[j] - maximum) - log_sum`, two float subtractions per entry on every path.
void sq_log_softmax_row(const float *row, size_t count, float maximum, float log_sum, float *out, int use_simd);

/// The indices of the `k` largest entries of `row`, best first, ties to the lower index, NaN below every
/// number; `indices` holds `k` entries. Returns min(k, count). The same indices on every path.
size_t sq_top_k(const float *row, size_t count, size_t k, size_t *indices, int use_simd);

/// A STREAM-style copy `dst[i] = src[i]` for `i < count` with the path's widest loads and stores (for the
/// machine's memory bandwidth in `sequitur bench`).
void sq_limits_copy(const float *src, float *dst, size_t count, int use_simd);

/// `iterations` steps of twelve independent FMA chains of the path's widest registers (for the machine's
/// arithmetic peak); sets `flops` to the floating-point operations done and returns a value that depends on
/// all of them, so the loop cannot be dropped.
float sq_limits_fma(size_t iterations, float seed, int use_simd, size_t *flops);

/// `bytes` (a multiple of the page size) of fresh anonymous memory, not zeroed by the caller and not resident
/// until written; NULL when the system refuses.
void *sq_pages_map(size_t bytes);

/// Grows a mapping from `sq_pages_map` to `new_bytes`, keeping its contents; returns its (possibly moved)
/// address, or NULL (the old mapping still valid) when the system refuses. On Linux `mremap` moves page tables,
/// not data: no copy, and the old pages are never held twice. Elsewhere it allocates anew and copies.
void *sq_pages_grow(void *pages, size_t old_bytes, size_t new_bytes);

void sq_pages_unmap(void *pages, size_t bytes);

/// A fork-join pool of worker threads that spin `spin_ns` nanoseconds for the next op before parking.
typedef struct sq_pool sq_pool;
typedef void (*sq_pool_task)(void *context, int chunk);

/// A pool of `workers` threads (the caller of `sq_pool_run` is one more); NULL when out of memory. Fewer
/// threads start if the system refuses some (`sq_pool_workers` says how many did).
sq_pool *sq_pool_create(int workers, int64_t spin_ns);
void sq_pool_destroy(sq_pool *pool);
int sq_pool_workers(const sq_pool *pool);

/// Runs `task(context, c)` for every `c` in `0 ..< chunks`, on the workers and the calling thread, and returns
/// when all have finished. One caller at a time.
void sq_pool_run(sq_pool *pool, int chunks, sq_pool_task task, void *context);

#endif
