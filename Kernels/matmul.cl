// out = x · Wᵀ: x is n×k float32, W is m×k of type WEIGHT_TYPE (a -D option), out is n×m.
//
// Two kernels, one summation order. Every output element is
//     total = ((0 + part[0]) + part[1]) + ...,  part[c] = fma chain over the 32 columns of chunk c, from 0,
// in column order. matmul_tiled (many rows, prefill) and matmul_vec (few rows, decode) both follow it to
// the letter, so the host may pick either by row count and a row's result is bitwise the same in any batch.

#ifndef WEIGHT_TYPE
#define WEIGHT_TYPE TYPE_F32
#endif

#if WEIGHT_TYPE == TYPE_F32
#define WEIGHT_VALUE(row, i) value_f32(row, i)
#elif WEIGHT_TYPE == TYPE_F16
#define WEIGHT_VALUE(row, i) value_f16(row, i)
#elif WEIGHT_TYPE == TYPE_Q8_0
#define WEIGHT_VALUE(row, i) value_q8_0(row, i)
#elif WEIGHT_TYPE == TYPE_Q4_0
#define WEIGHT_VALUE(row, i) value_q4_0(row, i)
#elif WEIGHT_TYPE == TYPE_Q4_1
#define WEIGHT_VALUE(row, i) value_q4_1(row, i)
#elif WEIGHT_TYPE == TYPE_Q5_0
#define WEIGHT_VALUE(row, i) value_q5_0(row, i)
#elif WEIGHT_TYPE == TYPE_Q5_1
#define WEIGHT_VALUE(row, i) value_q5_1(row, i)
#elif WEIGHT_TYPE == TYPE_Q2_K
#define WEIGHT_VALUE(row, i) value_q2_k(row, i)
#elif WEIGHT_TYPE == TYPE_Q3_K
#define WEIGHT_VALUE(row, i) value_q3_k(row, i)
#elif WEIGHT_TYPE == TYPE_Q4_K
#define WEIGHT_VALUE(row, i) value_q45_k(row, i, 0)
#elif WEIGHT_TYPE == TYPE_Q5_K
#define WEIGHT_VALUE(row, i) value_q45_k(row, i, 1)
#elif WEIGHT_TYPE == TYPE_Q6_K
#define WEIGHT_VALUE(row, i) value_q6_k(row, i)
#else
#error "unsupported WEIGHT_TYPE"
#endif

// part = fma(x[c0 + i], w[c0 + i], part) for i = 0 ..< len, from 0, in column order: one chunk's partial sum.
// For quantised types a chunk is exactly one block (k is a whole number of blocks), so the block's scale
// (and minimum) are read once instead of per element; each weight value is still computed by the same
// expression as WEIGHT_VALUE, so the result is bitwise the one matmul_tiled gets.
inline float chunk_dot(__global const float* x, __global const uchar* wrow, const int c0, const int len) {
    float part = 0.0f;
#if WEIGHT_TYPE == TYPE_Q8_0
    __global const uchar* block = wrow + (c0 / QK) * 34;
    const float d = half_at(block);
    for (int i = 0; i < QK; i++) part = fma(x[c0 + i], (float)((char)block[2 + i]) * d, part);
#elif WEIGHT_TYPE == TYPE_Q4_0
    __global const uchar* block = wrow + (c0 / QK) * 18;
    const float d = half_at(block);
    for (int j = 0; j < 16; j++) part = fma(x[c0 + j], (float)((block[2 + j] & 15) - 8) * d, part);
    for (int j = 0; j < 16; j++) part = fma(x[c0 + 16 + j], (float)((block[2 + j] >> 4) - 8) * d, part);
#elif WEIGHT_TYPE == TYPE_Q4_1
    __global const uchar* block = wrow + (c0 / QK) * 20;
    const float d = half_at(block), mn = half_at(block + 2);
    for (int j = 0; j < 16; j++) part = fma(x[c0 + j], (float)(block[4 + j] & 15) * d + mn, part);
    for (int j = 0; j < 16; j++) part = fma(x[c0 + 16 + j], (float)(block[4 + j] >> 4) * d + mn, part);
#else
    for (int i = 0; i < len; i++) part = fma(x[c0 + i], WEIGHT_VALUE(wrow, c0 + i), part);
#endif
    return part;
}

// Output tile edge of matmul_tiled; a work-group of TILE_THREADS×TILE_THREADS threads computes a
// TILE×TILE tile, each thread a (TILE/TILE_THREADS)² register block.
#ifndef TILE
#define TILE 64
#endif
#define TILE_THREADS 16
#define PER_THREAD (TILE / TILE_THREADS)

__kernel __attribute__((reqd_work_group_size(TILE_THREADS, TILE_THREADS, 1)))
void matmul_tiled(__global const float* x, __global const uchar* w, __global float* out,
                  const int n, const int k, const int m, const int rowBytes)
{
    // +1 column of padding keeps the per-thread column reads free of bank conflicts.
    __local float xs[TILE][QK + 1];
    __local float ws[TILE][QK + 1];
    const int tx = get_local_id(0), ty = get_local_id(1);
    const int tid = ty * TILE_THREADS + tx;
    const int m0 = get_group_id(0) * TILE, n0 = get_group_id(1) * TILE;

    float acc[PER_THREAD][PER_THREAD];
    for (int a = 0; a < PER_THREAD; a++)
        for (int b = 0; b < PER_THREAD; b++) acc[a][b] = 0.0f;

    for (int c0 = 0; c0 < k; c0 += QK) {
        // Coalesced: consecutive threads read consecutive columns of a row. Out-of-range cells are 0,
        // and fma(0, 0, part) leaves part unchanged, so padding does not alter the sums.
        for (int e = tid; e < TILE * QK; e += TILE_THREADS * TILE_THREADS) {
            const int r = e / QK, i = e % QK, col = c0 + i;
            const int xr = n0 + r, wr = m0 + r;
            xs[r][i] = (xr < n && col < k) ? x[(size_t)xr * k + col] : 0.0f;
            ws[r][i] = (wr < m && col < k) ? WEIGHT_VALUE(w + (size_t)wr * rowBytes, col) : 0.0f;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        float part[PER_THREAD][PER_THREAD];
        for (int a = 0; a < PER_THREAD; a++)
            for (int b = 0; b < PER_THREAD; b++) part[a][b] = 0.0f;
        for (int i = 0; i < QK; i++) {
            float xv[PER_THREAD], wv[PER_THREAD];
            for (int a = 0; a < PER_THREAD; a++) xv[a] = xs[ty + TILE_THREADS * a][i];
            for (int b = 0; b < PER_THREAD; b++) wv[b] = ws[tx + TILE_THREADS * b][i];
            for (int a = 0; a < PER_THREAD; a++)
                for (int b = 0; b < PER_THREAD; b++) part[a][b] = fma(xv[a], wv[b], part[a][b]);
        }
        for (int a = 0; a < PER_THREAD; a++)
            for (int b = 0; b < PER_THREAD; b++) acc[a][b] = acc[a][b] + part[a][b];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    for (int a = 0; a < PER_THREAD; a++) {
        const int row = n0 + ty + TILE_THREADS * a;
        if (row >= n) continue;
        for (int b = 0; b < PER_THREAD; b++) {
            const int col = m0 + tx + TILE_THREADS * b;
            if (col < m) out[(size_t)row * m + col] = acc[a][b];
        }
    }
}

// Decode path: work-group g computes outputs m0 .. m0+rowsPerGroup-1 of activation row get_global_id(1).
// Its threads share the (weight row, 32-column chunk) pairs, write each chunk's partial sum to local
// memory, and then one thread per output adds that row's partials in chunk order.
// `partial` holds rowsPerGroup · ceil(k/32) floats.
__kernel void matmul_vec(__global const float* x, __global const uchar* w, __global float* out,
                         const int n, const int k, const int m, const int rowBytes,
                         const int rowsPerGroup, __local float* partial)
{
    const int row = get_global_id(1);
    const int m0 = get_group_id(0) * rowsPerGroup;
    const int chunks = (k + QK - 1) / QK;
    const int rowsHere = min(rowsPerGroup, m - m0);
    __global const float* xr = x + (size_t)row * k;
    for (int item = get_local_id(0); item < rowsHere * chunks; item += get_local_size(0)) {
        const int r = item / chunks, c = item % chunks;
        __global const uchar* wrow = w + (size_t)(m0 + r) * rowBytes;
        const int c0 = c * QK;
        partial[r * chunks + c] = chunk_dot(xr, wrow, c0, min(QK, k - c0));
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    const int lid = get_local_id(0);
    if (lid < rowsHere) {
        float total = 0.0f;
        for (int c = 0; c < chunks; c++) total = total + partial[lid * chunks + c];
        out[(size_t)row * m + m0 + lid] = total;
    }
}
