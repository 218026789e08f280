// Rotary position embedding in place, GGML "normal" mode: pair i of a head is elements (2i, 2i+1),
// rotated by position · inverseFrequency[i]. The host computes inverseFrequency = base^(-2i/ropeDim) in
// double, rounded once, so the angles do not depend on the device's pow.
// Global size: (ropeDim/2, heads, tokens).
__kernel void rope(__global float* x, __global const int* positions, __global const float* inverseFrequency,
                   const int heads, const int headDim)
{
    const int i = get_global_id(0), head = get_global_id(1), token = get_global_id(2);
    const float angle = (float)positions[token] * inverseFrequency[i];
    const float c = cos(angle), s = sin(angle);
    __global float* v = x + (size_t)token * heads * headDim + head * headDim + 2 * i;
    const float x0 = v[0], x1 = v[1];
    v[0] = x0 * c - x1 * s;
    v[1] = x1 * c + x0 * s;
}
