#include "CSequiturKernels.h"

int sq_cpu_has_avx2_fma(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
#else
    return 0;
#endif
}

int sq_cpu_kernel_level(void) {
#if defined(__x86_64__) || defined(__i386__)
    if (!sq_cpu_has_avx2_fma()) return SQ_KERNELS_PORTABLE;
    // __builtin_cpu_supports also checks that the OS saves the zmm registers (XCR0).
    int wide = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
               __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
    return wide ? SQ_KERNELS_AVX512 : SQ_KERNELS_AVX2;
#else
    return SQ_KERNELS_PORTABLE;
#endif
}
