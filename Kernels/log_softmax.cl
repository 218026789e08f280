// Fused log-softmax over vocabulary rows, answering only what was asked. One work-group of
// SOFTMAX_THREADS per row for the reductions; the row never leaves the device unless the full row is asked.
//
// log p_i = x_i − lse, lse = max + log Σ exp(x_j − max). Ties for the maximum go to the lowest id.
#define SOFTMAX_THREADS 256

// True when (va, ia) ranks before (vb, ib): larger value first, lower id among equals; NaN ranks last.
inline bool ranks_before(float va, int ia, float vb, int ib) {
    if (isnan(vb)) return !isnan(va) || ia < ib;
    if (isnan(va)) return false;
    return va > vb || (va == vb && ia < ib);
}

// The work-group's best of every thread's (best, bestId) by `ranks_before`, left in values[0] and ids[0].
// Comparisons only (no arithmetic), and `ranks_before` is a total order, so there is one winner. It holds
// barriers: every thread of the group must call it.
inline void select_best(__local float* values, __local int* ids, const int lid, const float best, const int bestId) {
    values[lid] = best; ids[lid] = bestId;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int stride = SOFTMAX_THREADS / 2; stride > 0; stride /= 2) {
        if (lid < stride && ranks_before(values[lid + stride], ids[lid + stride], values[lid], ids[lid])) {
            values[lid] = values[lid + stride]; ids[lid] = ids[lid + stride];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
}

// Per row: stats[2r] = max, stats[2r+1] = lse, argmax[r]. Rows whose max is ±inf or NaN get lse = max
// and are finished on the host (which then reads the row).
__kernel __attribute__((reqd_work_group_size(SOFTMAX_THREADS, 1, 1)))
void log_softmax_stats(__global const float* logits, const int vocabulary, __global float* stats, __global int* argmax)
{
    __local float values[SOFTMAX_THREADS];
    __local int ids[SOFTMAX_THREADS];
    const int lid = get_local_id(0), row = get_group_id(0);
    __global const float* x = logits + (size_t)row * vocabulary;

    float best = NAN; int bestId = vocabulary;
    for (int i = lid; i < vocabulary; i += SOFTMAX_THREADS)
        if (ranks_before(x[i], i, best, bestId)) { best = x[i]; bestId = i; }
    select_best(values, ids, lid, best, bestId);
    const float maximum = values[0];
    const int maximumId = ids[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    if (!isfinite(maximum)) {
        if (lid == 0) { stats[2 * row] = maximum; stats[2 * row + 1] = maximum; argmax[row] = maximumId; }
        return;
    }
    float sum = 0.0f;
    for (int i = lid; i < vocabulary; i += SOFTMAX_THREADS) sum += exp(x[i] - maximum);
    values[lid] = sum;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int stride = SOFTMAX_THREADS / 2; stride > 0; stride /= 2) {
        if (lid < stride) values[lid] = values[lid] + values[lid + stride];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) {
        stats[2 * row] = maximum;
        stats[2 * row + 1] = maximum + log(values[0]);
        argmax[row] = maximumId;
    }
}

// out[j] = logits[rows[j]][tokens[j]] − lse[rows[j]], for every asked (row, token) pair.
__kernel void log_softmax_gather(__global const float* logits, const int vocabulary, __global const float* stats,
                                 __global const int* rows, __global const int* tokens, __global float* out,
                                 const int count)
{
    const int j = get_global_id(0);
    if (j >= count) return;
    const int r = rows[j];
    out[j] = logits[(size_t)r * vocabulary + tokens[j]] - stats[2 * r + 1];
}

// The k best entries of each asked row, best first, by repeated selection: pass p finds the best entry
// ranking after pass p−1's. k is small (beam widths, top-k sampling), so k passes over the row are cheap
// next to copying 49,152 floats to the host. Work-group g answers row rows[g]; results at g·k.
__kernel __attribute__((reqd_work_group_size(SOFTMAX_THREADS, 1, 1)))
void log_softmax_top_k(__global const float* logits, const int vocabulary, __global const float* stats,
                       __global const int* rows, const int k, __global int* topIds, __global float* topValues)
{
    __local float values[SOFTMAX_THREADS];
    __local int ids[SOFTMAX_THREADS];
    const int lid = get_local_id(0), g = get_group_id(0), row = rows[g];
    __global const float* x = logits + (size_t)row * vocabulary;
    float previous = INFINITY; int previousId = -1;
    for (int pass = 0; pass < k; pass++) {
        float best = NAN; int bestId = vocabulary;
        for (int i = lid; i < vocabulary; i += SOFTMAX_THREADS) {
            const float v = x[i];
            if (ranks_before(previous, previousId, v, i) && ranks_before(v, i, best, bestId)) { best = v; bestId = i; }
        }
        select_best(values, ids, lid, best, bestId);
        previous = values[0]; previousId = ids[0];
        if (lid == 0) { topIds[g * k + pass] = previousId; topValues[g * k + pass] = previous - stats[2 * row + 1]; }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
}

// The whole normalised row r = rows[g], into out[g]. Global size: (vocabulary rounded up, asked rows).
__kernel void log_softmax_full(__global const float* logits, const int vocabulary, __global const float* stats,
                               __global const int* rows, __global float* out)
{
    const int i = get_global_id(0), g = get_global_id(1);
    if (i >= vocabulary) return;
    const int r = rows[g];
    out[(size_t)g * vocabulary + i] = logits[(size_t)r * vocabulary + i] - stats[2 * r + 1];
}
