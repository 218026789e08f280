// Element-wise maps by one constant (Gemma): out may be x.

// out = x · factor (the embedding scale √d).
__kernel void scale(__global const float* x, __global float* out, const float factor, const int count)
{
    const int i = get_global_id(0);
    if (i >= count) return;
    out[i] = x[i] * factor;
}

// out = cap · tanh(x / cap), in transformers' order (divide, tanh, multiply): Gemma 2's final-logit soft cap.
__kernel void soft_cap(__global const float* x, __global float* out, const float cap, const int count)
{
    const int i = get_global_id(0);
    if (i >= count) return;
    out[i] = tanh(x[i] / cap) * cap;
}
