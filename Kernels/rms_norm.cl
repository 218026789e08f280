// out[r] = weight · (x[r] · 1/sqrt(mean(x[r]²) + epsilon)); one work-group of NORM_THREADS per row,
// sum of squares by strided partial sums and a fixed tree.
#define NORM_THREADS 256

__kernel __attribute__((reqd_work_group_size(NORM_THREADS, 1, 1)))
void rms_norm(__global const float* x, __global const float* weight, __global float* out,
              const int k, const float epsilon)
{
    __local float reduce[NORM_THREADS];
    const int lid = get_local_id(0), row = get_group_id(0);
    __global const float* xr = x + (size_t)row * k;
    float sum = 0.0f;
    for (int i = lid; i < k; i += NORM_THREADS) sum = fma(xr[i], xr[i], sum);
    reduce[lid] = sum;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int stride = NORM_THREADS / 2; stride > 0; stride /= 2) {
        if (lid < stride) reduce[lid] = reduce[lid] + reduce[lid + stride];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    const float scale = 1.0f / sqrt(reduce[0] / (float)k + epsilon);
    for (int i = lid; i < k; i += NORM_THREADS) out[(size_t)row * k + i] = weight[i] * (xr[i] * scale);
}
