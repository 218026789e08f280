// Causal grouped-query attention over the block KV cache, flash style: one work-group of ATT_CHUNK
// threads per (query head, new token) walks the token's own positions 0...pos in chunks of ATT_CHUNK,
// keeping a running maximum, a running sum of exponentials and a rescaled output accumulator (online
// softmax), so no score matrix ever reaches global memory. Chunks start at the token's first visible
// position (0, or position − window + 1 under a sliding window) and all reductions are fixed trees, so a
// token's result does not depend on the batch it is in. A positive softCap bends each scaled score to
// softCap · tanh(score / softCap) before the maximum (Gemma 2).
//
// Key/value layout: cache[(layerBase + slot) * kvDim + kvHead * HEAD_DIM + d], one buffer each.

#ifndef HEAD_DIM
#define HEAD_DIM 64
#endif
#ifndef ATT_CHUNK
#define ATT_CHUNK 64
#endif
// Output dimensions each thread accumulates.
#define DIMS_PER_THREAD ((HEAD_DIM + ATT_CHUNK - 1) / ATT_CHUNK)

__kernel __attribute__((reqd_work_group_size(ATT_CHUNK, 1, 1)))
void attention(__global const float* queries, __global const float* keyCache, __global const float* valueCache,
               __global float* out,
               __global const int* tokenSequence, __global const int* tokenPosition,
               __global const int* blockTables, __global const int* blockTableOffsets,
               const int blockSize, const ulong layerBase, const int heads, const int kvHeads, const int kvDim,
               const float scale, const int window, const float softCap)
{
    __local float q[HEAD_DIM];
    __local float keys[ATT_CHUNK][HEAD_DIM + 1];
    __local float scores[ATT_CHUNK];
    __local float reduce[ATT_CHUNK];
    __local int slots[ATT_CHUNK];

    const int lid = get_local_id(0);
    const int head = get_group_id(0), token = get_group_id(1);
    const int kvHead = head / (heads / kvHeads);
    const int width = heads * HEAD_DIM;
    const int position = tokenPosition[token];
    __global const int* table = blockTables + blockTableOffsets[tokenSequence[token]];

    for (int d = lid; d < HEAD_DIM; d += ATT_CHUNK) q[d] = queries[(size_t)token * width + head * HEAD_DIM + d];

    float runningMax = -INFINITY, runningSum = 0.0f;
    float acc[DIMS_PER_THREAD];
    for (int j = 0; j < DIMS_PER_THREAD; j++) acc[j] = 0.0f;

    const int firstPosition = window > 0 ? max(0, position - window + 1) : 0;
    for (int p0 = firstPosition; p0 <= position; p0 += ATT_CHUNK) {
        const int count = min(ATT_CHUNK, position + 1 - p0);
        if (lid < count) {
            const int p = p0 + lid;
            slots[lid] = table[p / blockSize] * blockSize + p % blockSize;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        // Stage the chunk's keys through local memory: coalesced reads along the head dimension.
        for (int e = lid; e < count * HEAD_DIM; e += ATT_CHUNK) {
            const int r = e / HEAD_DIM, d = e % HEAD_DIM;
            keys[r][d] = keyCache[(layerBase + (ulong)slots[r]) * (ulong)kvDim + kvHead * HEAD_DIM + d];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        float score = -INFINITY;
        if (lid < count) {
            float dot = 0.0f;
            for (int d = 0; d < HEAD_DIM; d++) dot = fma(q[d], keys[lid][d], dot);
            score = dot * scale;
            if (softCap > 0.0f) score = tanh(score / softCap) * softCap;
        }
        // Chunk maximum by a fixed tree.
        reduce[lid] = score;
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int stride = ATT_CHUNK / 2; stride > 0; stride /= 2) {
            if (lid < stride) reduce[lid] = fmax(reduce[lid], reduce[lid + stride]);
            barrier(CLK_LOCAL_MEM_FENCE);
        }
        const float newMax = fmax(runningMax, reduce[0]);
        barrier(CLK_LOCAL_MEM_FENCE);
        const float weight = lid < count ? exp(score - newMax) : 0.0f;
        scores[lid] = weight;
        reduce[lid] = weight;
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int stride = ATT_CHUNK / 2; stride > 0; stride /= 2) {
            if (lid < stride) reduce[lid] = reduce[lid] + reduce[lid + stride];
            barrier(CLK_LOCAL_MEM_FENCE);
        }
        // exp(-inf − finite) = 0 on the first chunk.
        const float rescale = exp(runningMax - newMax);
        runningSum = runningSum * rescale + reduce[0];
        runningMax = newMax;
        // Thread lid owns output dimensions lid, lid + ATT_CHUNK, ...: value reads are coalesced.
        for (int j = 0; j < DIMS_PER_THREAD; j++) {
            const int d = lid + j * ATT_CHUNK;
            if (d >= HEAD_DIM) break;
            float sum = acc[j] * rescale;
            for (int r = 0; r < count; r++)
                sum = fma(scores[r], valueCache[(layerBase + (ulong)slots[r]) * (ulong)kvDim + kvHead * HEAD_DIM + d], sum);
            acc[j] = sum;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    for (int j = 0; j < DIMS_PER_THREAD; j++) {
        const int d = lid + j * ATT_CHUNK;
        if (d < HEAD_DIM) out[(size_t)token * width + head * HEAD_DIM + d] = acc[j] / runningSum;
    }
}
