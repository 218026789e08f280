// out = silu(gate) · up = gate / (1 + e^(−gate)) · up, element-wise.
__kernel void silu_mul(__global const float* gate, __global const float* up, __global float* out, const int count)
{
    const int i = get_global_id(0);
    if (i >= count) return;
    const float g = gate[i];
    out[i] = g / (1.0f + exp(-g)) * up[i];
}
