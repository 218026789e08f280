// out[i] = x[rows[i]]. Global size: (columns, selected rows).
__kernel void gather_rows(__global const float* x, __global const int* rows, __global float* out, const int columns)
{
    const int c = get_global_id(0), i = get_global_id(1);
    if (c >= columns) return;
    out[(size_t)i * columns + c] = x[(size_t)rows[i] * columns + c];
}
