#ifndef CSEQUITUR_KERNELS_H
#define CSEQUITUR_KERNELS_H
#include <stddef.h>
#include <stdint.h>

/// 1 when the CPU supports AVX2 and FMA (checked once at run time).
int sq_cpu_has_avx2_fma(void);

#endif
