// OpenCL 1.2 API: the portable subset every device we target (PoCL, NVIDIA) implements.
#define CL_TARGET_OPENCL_VERSION 120
#define CL_USE_DEPRECATED_OPENCL_1_2_APIS
#include <CL/cl.h>
