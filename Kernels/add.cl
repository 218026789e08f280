// out = a + b, element-wise; out may be a.
__kernel void add(__global const float* a, __global const float* b, __global float* out, const int count)
{
    const int i = get_global_id(0);
    if (i >= count) return;
    out[i] = a[i] + b[i];
}

// out[r] = x[r] + bias for every row of `columns`; out may be x.
__kernel void add_bias(__global const float* x, __global const float* bias, __global float* out, const int columns,
                       const int count)
{
    const int i = get_global_id(0);
    if (i >= count) return;
    out[i] = x[i] + bias[i % columns];
}
