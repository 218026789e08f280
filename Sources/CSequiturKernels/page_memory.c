// Anonymous page mappings that grow without copying (mremap on Linux), for the CPU backend's KV cache.
#if defined(__linux__)
#define _GNU_SOURCE
#include <sys/mman.h>
#else
#include <stdlib.h>
#include <string.h>
#endif
#include "CSequiturKernels.h"

void *sq_pages_map(size_t bytes) {
#if defined(__linux__)
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
#else
    void *p = NULL;
    return posix_memalign(&p, 4096, bytes) == 0 ? p : NULL;
#endif
}

void *sq_pages_grow(void *pages, size_t old_bytes, size_t new_bytes) {
#if defined(__linux__)
    void *p = mremap(pages, old_bytes, new_bytes, MREMAP_MAYMOVE);
    return p == MAP_FAILED ? NULL : p;
#else
    void *p = sq_pages_map(new_bytes);
    if (!p) return NULL;
    memcpy(p, pages, old_bytes);
    free(pages);
    return p;
#endif
}

void sq_pages_unmap(void *pages, size_t bytes) {
#if defined(__linux__)
    munmap(pages, bytes);
#else
    (void)bytes;
    free(pages);
#endif
}
