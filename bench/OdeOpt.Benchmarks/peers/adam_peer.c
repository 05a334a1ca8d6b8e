// The C peers of the CPU benchmark (issue 18): torch.optim.Adam's update as a performance engineer writes it (one fused
// loop, gcc -O3 -march=native -fopenmp), and bandwidth kernels with Adam's traffic (read p, g, m, v; write p, m, v:
// 28 bytes per parameter) in three forms: plain stores, non-temporal stores, software prefetch. Their best is the
// machine's limit for a 28-byte step.
//
//   gcc -O3 -march=native -fopenmp adam_peer.c -o adam_peer -lm
//   ./adam_peer --sizes 65536,1048576,16777216 --threads 1,2 [--budget 0.5]
//
// Prints one JSON array: [{"n", "threads", "adam", "bw_plain", "bw_nt", "bw_prefetch"}] in nanoseconds per parameter,
// each the median of back-to-back steps after warm-up (the protocol of QuickRoofline.cs).
#include <immintrin.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef void (*kernel)(float *restrict p, const float *restrict g, float *restrict m, float *restrict v, long n, int step);

static const float lr = 1e-3f, beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f;

// torch.optim.Adam (no weight decay, no amsgrad): the bias corrections are per-step scalars, hoisted.
static void adam(float *restrict p, const float *restrict g, float *restrict m, float *restrict v, long n, int step)
{
    double bc1 = 1 - pow(beta1, step), bc2 = 1 - pow(beta2, step);
    const float c = (float)(lr / bc1), s = (float)(1 / sqrt(bc2));
#pragma omp parallel for schedule(static)
    for (long i = 0; i < n; i++)
    {
        float gi = g[i];
        float mi = beta1 * m[i] + (1 - beta1) * gi;
        float vi = beta2 * v[i] + (1 - beta2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] -= c * mi / (sqrtf(vi) * s + eps);
    }
}

// The same traffic with trivial arithmetic.
static void bw_plain(float *restrict p, const float *restrict g, float *restrict m, float *restrict v, long n, int step)
{
    (void)step;
#pragma omp parallel for schedule(static)
    for (long i = 0; i < n; i++)
    {
        float gi = g[i];
        m[i] += gi;
        v[i] += gi;
        p[i] += 1e-7f * m[i] + v[i] * 1e-9f;
    }
}

// Non-temporal stores (the written lines bypass the cache): 16-float vectors, n a multiple of 16 per thread's range.
static void bw_nt(float *restrict p, const float *restrict g, float *restrict m, float *restrict v, long n, int step)
{
    (void)step;
    const __m512 a = _mm512_set1_ps(1e-7f), b = _mm512_set1_ps(1e-9f);
#pragma omp parallel for schedule(static)
    for (long i = 0; i < n; i += 16)
    {
        __m512 gi = _mm512_load_ps(g + i);
        __m512 mi = _mm512_add_ps(_mm512_load_ps(m + i), gi);
        __m512 vi = _mm512_add_ps(_mm512_load_ps(v + i), gi);
        __m512 pi = _mm512_fmadd_ps(a, mi, _mm512_fmadd_ps(b, vi, _mm512_load_ps(p + i)));
        _mm512_stream_ps(m + i, mi);
        _mm512_stream_ps(v + i, vi);
        _mm512_stream_ps(p + i, pi);
    }
    _mm_sfence();
}

// Software prefetch 2 KiB ahead in every stream.
static void bw_prefetch(float *restrict p, const float *restrict g, float *restrict m, float *restrict v, long n, int step)
{
    (void)step;
    const long ahead = 512;
#pragma omp parallel for schedule(static)
    for (long i = 0; i < n; i += 16)
    {
        _mm_prefetch((const char *)(g + i + ahead), _MM_HINT_T0);
        _mm_prefetch((const char *)(m + i + ahead), _MM_HINT_T0);
        _mm_prefetch((const char *)(v + i + ahead), _MM_HINT_T0);
        _mm_prefetch((const char *)(p + i + ahead), _MM_HINT_T0);
        for (long j = i; j < i + 16; j++)
        {
            float gj = g[j];
            m[j] += gj;
            v[j] += gj;
            p[j] += 1e-7f * m[j] + v[j] * 1e-9f;
        }
    }
}

static double now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

static int compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

// Median ns per parameter of back-to-back calls, after 3 warm-up calls, within the budget (at least 5 samples).
static double time_kernel(kernel k, float *p, float *g, float *m, float *v, long n, double budget)
{
    enum { cap = 2000 };
    static double samples[cap];
    int count = 0, step = 1;
    for (int i = 0; i < 3; i++) k(p, g, m, v, n, step++);
    double start = now_ns();
    while (count < 5 || (now_ns() - start < budget * 1e9 && count < cap))
    {
        double t0 = now_ns();
        k(p, g, m, v, n, step++);
        samples[count++] = (now_ns() - t0) / n;
    }
    qsort(samples, count, sizeof(double), compare);
    return samples[count / 2];
}

static float *make(long n, float value)
{
    float *a = aligned_alloc(64, ((n * sizeof(float) + 63) / 64) * 64 + 4096);
    for (long i = 0; i < n + 1024; i++) a[i] = value;
    return a;
}

int main(int argc, char **argv)
{
    const char *sizes = "65536,1048576,16777216", *threads = "1";
    double budget = 0.5;
    for (int i = 1; i + 1 < argc; i += 2)
    {
        if (!strcmp(argv[i], "--sizes")) sizes = argv[i + 1];
        else if (!strcmp(argv[i], "--threads")) threads = argv[i + 1];
        else if (!strcmp(argv[i], "--budget")) budget = atof(argv[i + 1]);
    }
    printf("[");
    int first = 1;
    char *sizeList = strdup(sizes);
    for (char *s = strtok(sizeList, ","); s; s = strtok(NULL, ","))
    {
        long n = atol(s) / 16 * 16;
        char *threadList = strdup(threads), *save = NULL;
        for (char *t = strtok_r(threadList, ",", &save); t; t = strtok_r(NULL, ",", &save))
        {
            int th = atoi(t);
            omp_set_num_threads(th);
            float *p = make(n, 0.5f), *g = make(n, 0.01f), *m = make(n, 0), *v = make(n, 0);
            double a = time_kernel(adam, p, g, m, v, n, budget);
            double plain = time_kernel(bw_plain, p, g, m, v, n, budget);
            double nt = time_kernel(bw_nt, p, g, m, v, n, budget);
            double pf = time_kernel(bw_prefetch, p, g, m, v, n, budget);
            printf("%s{\"n\": %ld, \"threads\": %d, \"adam\": %.5f, \"bw_plain\": %.5f, \"bw_nt\": %.5f, \"bw_prefetch\": %.5f}",
                   first ? "" : ", ", n, th, a, plain, nt, pf);
            first = 0;
            free(p); free(g); free(m); free(v);
        }
        free(threadList);
    }
    printf("]\n");
    return 0;
}
