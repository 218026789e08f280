// out = a + b, element-wise; out may be a.
__kernel void add(__global const float* a, __global const float* b, __global float* out, const int count)
{
    const int i = get_global_id(0);
    if (i >= count) return;
    out[i] = a[i] + b[i];
}
