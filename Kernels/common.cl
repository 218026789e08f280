// Shared helpers for every Sequitur kernel. OpenCL C 1.2, no subgroups, no cl_khr_fp16
// (half values are read with vload_half, which every 1.2 device has).
//
// Contraction of a*b+c into fma is switched off so that every kernel rounds exactly as written: batch
// invariance depends on two kernels (matmul_tiled and matmul_vec) producing bitwise the same sums, which
// only holds if the compiler may not fuse differently in each. Where an fma is wanted it is written.
#pragma OPENCL FP_CONTRACT OFF

// ggml_type numbers, as TensorType numbers them.
#define TYPE_F32 0
#define TYPE_F16 1
#define TYPE_Q4_0 2
#define TYPE_Q4_1 3
#define TYPE_Q8_0 8

// Elements per quantisation block, and the length of the fixed-order partial sums in matmul.
#define QK 32

inline float half_at(__global const uchar* p) {
    return vload_half(0, (__global const half*)p);
}

inline float value_f32(__global const uchar* row, int i) {
    return ((__global const float*)row)[i];
}

inline float value_f16(__global const uchar* row, int i) {
    return vload_half(i, (__global const half*)row);
}

// Q8_0 block: f16 scale d, then 32 signed bytes; value = q·d.
inline float value_q8_0(__global const uchar* row, int i) {
    __global const uchar* block = row + (i / QK) * 34;
    return (float)((char)block[2 + i % QK]) * half_at(block);
}

// Q4_0 block: f16 scale d, then 16 bytes; byte j holds element j (low nibble) and j+16 (high nibble);
// value = (nibble − 8)·d, exact in float.
inline float value_q4_0(__global const uchar* row, int i) {
    __global const uchar* block = row + (i / QK) * 18;
    const int j = i % QK;
    const uchar byte = block[2 + (j & 15)];
    const int q = j < 16 ? (byte & 15) : (byte >> 4);
    return (float)(q - 8) * half_at(block);
}

// Q4_1 block: f16 scale d, f16 minimum m, then 16 bytes as in Q4_0; value = nibble·d + m.
inline float value_q4_1(__global const uchar* row, int i) {
    __global const uchar* block = row + (i / QK) * 20;
    const int j = i % QK;
    const uchar byte = block[4 + (j & 15)];
    const int q = j < 16 ? (byte & 15) : (byte >> 4);
    return (float)q * half_at(block) + half_at(block + 2);
}

// Element i of a weight row of any supported type (for kernels where the type is a run-time argument).
inline float weight_value(int type, __global const uchar* row, int i) {
    switch (type) {
    case TYPE_F16: return value_f16(row, i);
    case TYPE_Q4_0: return value_q4_0(row, i);
    case TYPE_Q4_1: return value_q4_1(row, i);
    case TYPE_Q8_0: return value_q8_0(row, i);
    default: return value_f32(row, i);
    }
}
