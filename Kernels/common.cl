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
#define TYPE_Q5_0 6
#define TYPE_Q5_1 7
#define TYPE_Q8_0 8
#define TYPE_Q2_K 10
#define TYPE_Q3_K 11
#define TYPE_Q4_K 12
#define TYPE_Q5_K 13
#define TYPE_Q6_K 14

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

// The 5-bit value j of a Q5_0/Q5_1 block: low 4 bits in the nibbles of qs (elements 0..15 low, 16..31 high),
// the fifth is bit j of the little-endian word qh.
inline int q5_value(__global const uchar* qh, __global const uchar* qs, int j) {
    const uint high = (uint)qh[0] | (uint)qh[1] << 8 | (uint)qh[2] << 16 | (uint)qh[3] << 24;
    const int low = j < 16 ? (qs[j] & 15) : (qs[j - 16] >> 4);
    return low | (int)((high >> j) & 1) << 4;
}

// Q5_0 block: f16 d, 4 bytes of fifth bits, 16 bytes of nibbles; value = d·(q − 16), exact.
inline float value_q5_0(__global const uchar* row, int i) {
    __global const uchar* block = row + (i / QK) * 22;
    return half_at(block) * (float)(q5_value(block + 2, block + 6, i % QK) - 16);
}

// Q5_1 block: f16 d, f16 m, 4 bytes of fifth bits, 16 bytes of nibbles; value = d·q + m, rounded twice.
inline float value_q5_1(__global const uchar* row, int i) {
    __global const uchar* block = row + (i / QK) * 24;
    const float scaled = half_at(block) * (float)q5_value(block + 4, block + 8, i % QK);
    return scaled + half_at(block + 2);
}

// The K-quants: 256 elements per super-block, with the CPU backend's (and gguf-py's) arithmetic element for
// element, so a weight value is bitwise the same on both backends.

// Q2_K (84 bytes): 16 scale bytes (low nibble scale, high nibble min), 64 bytes of 2-bit values (element
// e = 128h + 32s + i is bits 2s.. of byte 32h + i), f16 d, f16 dmin; value = (d·scale)·q − (dmin·min).
inline float value_q2_k(__global const uchar* row, int i) {
    __global const uchar* block = row + (i / 256) * 84;
    const int e = i % 256;
    const uchar sc = block[e / 16];
    const int q = (block[16 + 32 * (e / 128) + e % 32] >> (2 * ((e % 128) / 32))) & 3;
    const float dl = half_at(block + 80) * (float)(sc & 15), ml = half_at(block + 82) * (float)(sc >> 4);
    const float scaled = dl * (float)q;
    return scaled - ml;
}

// Q3_K (110 bytes): 32 bytes of high-bit mask, 64 bytes of 2-bit values (as Q2_K), 12 bytes of 6-bit scales
// biased by 32, f16 d; a clear mask bit (bit e / 32 of byte e % 32) subtracts 4; value = (d·scale)·q.
inline float value_q3_k(__global const uchar* row, int i) {
    __global const uchar* block = row + (i / 256) * 110;
    const int e = i % 256, j = e / 16;
    __global const uchar* sc = block + 96;
    const int low = j < 8 ? (sc[j] & 15) : (sc[j - 8] >> 4);
    const int high = (sc[8 + j % 4] >> (2 * (j / 4))) & 3;
    int q = (block[32 + 32 * (e / 128) + e % 32] >> (2 * ((e % 128) / 32))) & 3;
    if (!((block[e % 32] >> (e / 32)) & 1)) q -= 4;
    const float dl = half_at(block + 108) * (float)((low | high << 4) - 32);
    return dl * (float)q;
}

// The 6-bit scale and min of sub-block j (0..7) of a Q4_K or Q5_K block, from the 12 bytes at s.
inline int2 k_scale_min(__global const uchar* s, int j) {
    if (j < 4) return (int2)(s[j] & 63, s[j + 4] & 63);
    return (int2)((s[j + 4] & 15) | ((s[j - 4] >> 2) & 48), (s[j + 4] >> 4) | ((s[j] >> 2) & 48));
}

// Q4_K (144 bytes) and Q5_K (176): f16 d, f16 dmin, 12 scale bytes, [Q5_K: 32 bytes of fifth bits, bit j of
// byte i for element 32j + i], nibbles (sub-blocks 2p and 2p + 1 in the low and high nibbles of 32 bytes);
// value = (d·scale)·q − (dmin·min).
inline float value_q45_k(__global const uchar* row, int i, const int five_bits) {
    __global const uchar* block = row + (i / 256) * (five_bits ? 176 : 144);
    const int e = i % 256, j = e / 32;
    const int2 sm = k_scale_min(block + 4, j);
    __global const uchar* qs = block + (five_bits ? 48 : 16);
    int q = (qs[32 * (j / 2) + e % 32] >> (4 * (j % 2))) & 15;
    if (five_bits) q |= ((block[16 + e % 32] >> j) & 1) << 4;
    const float ds = half_at(block) * (float)sm.x, dm = half_at(block + 2) * (float)sm.y;
    const float scaled = ds * (float)q;
    return scaled - dm;
}

// Q6_K (210 bytes): 128 bytes of low nibbles, 64 bytes of high 2-bit pairs, 16 signed scales, f16 d;
// value = (d·scale)·(q − 32).
inline float value_q6_k(__global const uchar* row, int i) {
    __global const uchar* block = row + (i / 256) * 210;
    const int e = i % 256, half_ = e / 128, within = e % 128;
    const int low = (block[64 * half_ + within % 64] >> (4 * (within / 64))) & 15;
    const int high = (block[128 + 32 * half_ + within % 32] >> (2 * (within / 32))) & 3;
    const float ds = half_at(block + 208) * (float)((char)block[192 + e / 16]);
    return ds * (float)((low | high << 4) - 32);
}

// Element i of a weight row of any supported type (for kernels where the type is a run-time argument).
inline float weight_value(int type, __global const uchar* row, int i) {
    switch (type) {
    case TYPE_F16: return value_f16(row, i);
    case TYPE_Q4_0: return value_q4_0(row, i);
    case TYPE_Q4_1: return value_q4_1(row, i);
    case TYPE_Q8_0: return value_q8_0(row, i);
    case TYPE_Q5_0: return value_q5_0(row, i);
    case TYPE_Q5_1: return value_q5_1(row, i);
    case TYPE_Q2_K: return value_q2_k(row, i);
    case TYPE_Q3_K: return value_q3_k(row, i);
    case TYPE_Q4_K: return value_q45_k(row, i, 0);
    case TYPE_Q5_K: return value_q45_k(row, i, 1);
    case TYPE_Q6_K: return value_q6_k(row, i);
    default: return value_f32(row, i);
    }
}
