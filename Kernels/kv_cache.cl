// The block KV cache: per layer `slotsPerLayer` slots of kvDim floats, keys and values in separate
// buffers; element (layer, slot, d) is at (layer · slotsPerLayer + slot) · kvDim + d.

// Key row t and value row t go to slot slots[t] of the layer starting at layerBase slots.
// Global size: (kvDim, tokens).
__kernel void store_kv(__global const float* keys, __global const float* values,
                       __global float* keyCache, __global float* valueCache,
                       __global const int* slots, const ulong layerBase, const int kvDim)
{
    const int d = get_global_id(0), t = get_global_id(1);
    if (d >= kvDim) return;
    const ulong at = (layerBase + (ulong)slots[t]) * (ulong)kvDim + d;
    keyCache[at] = keys[(size_t)t * kvDim + d];
    valueCache[at] = values[(size_t)t * kvDim + d];
}

// Copies block `source` to block `destination` in every layer. Global size: (blockSize · kvDim, layers).
__kernel void copy_kv_block(__global float* keyCache, __global float* valueCache,
                            const int source, const int destination, const int blockSize, const int kvDim,
                            const ulong slotsPerLayer)
{
    const int e = get_global_id(0), layer = get_global_id(1);
    if (e >= blockSize * kvDim) return;
    const ulong base = (ulong)layer * slotsPerLayer * (ulong)kvDim;
    const ulong from = base + (ulong)source * blockSize * kvDim + e;
    const ulong to = base + (ulong)destination * blockSize * kvDim + e;
    keyCache[to] = keyCache[from];
    valueCache[to] = valueCache[from];
}
