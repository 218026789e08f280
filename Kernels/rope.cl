// RoPE in place: for each token, head and pair i < pairs, rotates elements (a, b) of the head by the pair's
// angle at the token's position, where a = step·i and b = a + partner: (2i, 2i + 1) for adjacent pairs
// (step 2, partner 1), (i, i + pairs) for NEOX halves (step 1, partner pairs). cos and sin come from a table
// the host computes in double (`table[(position · pairs + i) · 2 + {0, 1}]`, RotaryEmbedding.table), so
// results match the CPU reference and do not depend on the device's float trigonometry at large angles.
// Global size: (pairs, heads, tokens).
__kernel void rope(__global float* x, __global const int* positions, __global const float* table,
                   const int heads, const int headDim, const int pairs, const int step, const int partner)
{
    const int i = get_global_id(0), head = get_global_id(1), token = get_global_id(2);
    __global const float* cs = table + ((size_t)positions[token] * pairs + i) * 2;
    const float c = cs[0], s = cs[1];
    __global float* v = x + (size_t)token * heads * headDim + head * headDim + step * i;
    const float x0 = v[0], x1 = v[partner];
    v[0] = x0 * c - x1 * s;
    v[partner] = x1 * c + x0 * s;
}
