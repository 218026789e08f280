// A fork-join pool for the CPU backend's ops: workers spin briefly for the next op, then park.
//
// A decode step runs ~300 ops of 10–100 µs each. Waking parked threads for every op (what Dispatch does) costs a
// futex wake and a context switch per op; spinning forever burns a core that a loaded shared machine needs.
// So a worker that finishes spins for `spin_ns` (the gap between consecutive ops of one step is far shorter),
// and parks on a condition variable when no op comes. The caller runs chunks too and, at the end, waits for the
// workers' chunks by spinning, then yielding.
//
// Which thread runs which chunk never matters to a result: a chunk index names its rows and its scratch.
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include "CSequiturKernels.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
static inline void cpu_relax(void) { _mm_pause(); }
#elif defined(__aarch64__)
static inline void cpu_relax(void) { __asm__ __volatile__("yield"); }
#else
static inline void cpu_relax(void) {}
#endif

struct sq_pool {
    int workers;
    int64_t spin_ns;
    pthread_t *threads;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int sleeping;     // workers parked on `wake` (guarded by `lock`)
    int stopping;     // guarded by `lock`
    // The current op. `generation` changes (release) after the fields are written; a worker reads them only
    // after seeing the change (acquire).
    _Atomic uint32_t generation;
    _Atomic(sq_pool_task) task;
    _Atomic(void *) context;
    _Atomic uint32_t chunks;
    // (generation << 32) | next chunk: claiming compares the generation too, so a worker that was slow to
    // see one op can never claim a chunk of the next with the old op's function.
    _Atomic uint64_t claim;
    _Atomic uint32_t finished;
};

static int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/// Runs chunks of generation `g` until none is left; returns how many this thread ran.
static uint32_t run_chunks(sq_pool *pool, uint32_t g, sq_pool_task task, void *context, uint32_t chunks) {
    uint32_t ran = 0;
    uint64_t seen = atomic_load_explicit(&pool->claim, memory_order_acquire);
    for (;;) {
        if ((uint32_t)(seen >> 32) != g || (uint32_t)seen >= chunks) return ran;
        if (atomic_compare_exchange_weak_explicit(&pool->claim, &seen, seen + 1, memory_order_acq_rel,
                                                  memory_order_acquire)) {
            task(context, (int)(uint32_t)seen);
            ran++;
            seen++;
        }
    }
}

static void *worker_main(void *arg) {
    sq_pool *pool = arg;
    uint32_t seen = atomic_load_explicit(&pool->generation, memory_order_acquire);
    for (;;) {
        uint32_t g = atomic_load_explicit(&pool->generation, memory_order_acquire);
        if (g == seen) {
            int64_t deadline = now_ns() + pool->spin_ns;
            for (int i = 0; g == seen; i++) {
                cpu_relax();
                g = atomic_load_explicit(&pool->generation, memory_order_acquire);
                if ((i & 63) == 63 && g == seen && now_ns() > deadline) break;
            }
        }
        if (g == seen) {
            pthread_mutex_lock(&pool->lock);
            pool->sleeping++;
            while (!pool->stopping && (g = atomic_load_explicit(&pool->generation, memory_order_acquire)) == seen)
                pthread_cond_wait(&pool->wake, &pool->lock);
            pool->sleeping--;
            int stop = pool->stopping;
            pthread_mutex_unlock(&pool->lock);
            if (stop) return NULL;
        }
        seen = g;
        uint32_t ran = run_chunks(pool, g, atomic_load_explicit(&pool->task, memory_order_relaxed),
                                  atomic_load_explicit(&pool->context, memory_order_relaxed),
                                  atomic_load_explicit(&pool->chunks, memory_order_relaxed));
        if (ran) atomic_fetch_add_explicit(&pool->finished, ran, memory_order_release);
    }
}

sq_pool *sq_pool_create(int workers, int64_t spin_ns) {
    sq_pool *pool = calloc(1, sizeof *pool);
    if (!pool) return NULL;
    pool->spin_ns = spin_ns;
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->wake, NULL);
    pool->threads = calloc(workers > 0 ? (size_t)workers : 1, sizeof(pthread_t));
    if (!pool->threads) {
        sq_pool_destroy(pool);
        return NULL;
    }
    for (int i = 0; i < workers; i++) {
        if (pthread_create(&pool->threads[i], NULL, worker_main, pool) != 0) break;
        pool->workers++;
    }
    return pool;
}

void sq_pool_destroy(sq_pool *pool) {
    if (!pool) return;
    pthread_mutex_lock(&pool->lock);
    pool->stopping = 1;
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->lock);
    for (int i = 0; i < pool->workers; i++) pthread_join(pool->threads[i], NULL);
    pthread_cond_destroy(&pool->wake);
    pthread_mutex_destroy(&pool->lock);
    free(pool->threads);
    free(pool);
}

int sq_pool_workers(const sq_pool *pool) { return pool ? pool->workers : 0; }

void sq_pool_run(sq_pool *pool, int chunks, sq_pool_task task, void *context) {
    if (chunks <= 0) return;
    if (!pool || pool->workers == 0 || chunks == 1) {
        for (int c = 0; c < chunks; c++) task(context, c);
        return;
    }
    uint32_t g = atomic_load_explicit(&pool->generation, memory_order_relaxed) + 1;
    atomic_store_explicit(&pool->task, task, memory_order_relaxed);
    atomic_store_explicit(&pool->context, context, memory_order_relaxed);
    atomic_store_explicit(&pool->chunks, (uint32_t)chunks, memory_order_relaxed);
    atomic_store_explicit(&pool->finished, 0, memory_order_relaxed);
    atomic_store_explicit(&pool->claim, (uint64_t)g << 32, memory_order_relaxed);
    atomic_store_explicit(&pool->generation, g, memory_order_release);
    pthread_mutex_lock(&pool->lock);
    if (pool->sleeping) pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->lock);

    uint32_t ran = run_chunks(pool, g, task, context, (uint32_t)chunks);
    uint32_t total = (uint32_t)chunks;
    // The workers' chunks are short: spin, and yield if one was descheduled mid-chunk.
    for (int i = 0; atomic_load_explicit(&pool->finished, memory_order_acquire) + ran < total; i++) {
        if (i < 4096) cpu_relax();
        else sched_yield();
    }
}
