// Shared helpers for every Sequitur kernel. OpenCL C 1.2, no subgroups, no cl_khr_fp16
// (half values are read with vload_half, which every 1.2 device has).
