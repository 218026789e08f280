// out[t] = table[tokens[t]], dequantised to float32 from any supported weight type.
// Global size: (columns, tokens).
__kernel void embedding(__global const uchar* table, __global const int* tokens, __global float* out,
                        const int type, const int columns, const int rowBytes)
{
    const int i = get_global_id(0), t = get_global_id(1);
    if (i >= columns) return;
    __global const uchar* row = table + (size_t)tokens[t] * rowBytes;
    out[(size_t)t * columns + i] = weight_value(type, row, i);
}
