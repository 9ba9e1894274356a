/*
 * The C reference for jixiao-bench: the benchmark's workload computed by hand, exactly, in
 * 64-bit integers, from the figures the benchmark scored (it writes them to a file and runs
 * this program on it). Built by the benchmark with the system compiler at -O2.
 *
 * The scheme is `Benchmark.generatedScheme(leaves: 200)`, hard-coded: 20 groups of 10 leaves,
 * leaf l of every group reads input x_l and has rule kind l (see the cases below); max 0.5 a
 * leaf, each leaf's score clamped to [0, max] and rounded half up to 2 places (the scheme's
 * default rounding), groups and the total the sums of those. Leaf 10 of an even group is a
 * ranking (descending by x9 among all subjects, ties share the better rank, coefficient
 * 1 − 0.4 × (rank − 1) / (n − 1)), of an odd group a rescale from 100.
 *
 * Every quantity is exact: an input x arrives as raw × 10⁸ and has two decimals, so it is
 * handled as whole hundredths; a leaf's exact score is a fraction p/q ≥ 0, and its rounded
 * score in hundredths is floor((200·p + q) / (2·q)), the half-up rounding of 100·p/q.
 *
 * File: int64 subjects, int64 months, then months × subjects × 10 int64 raw inputs (little endian).
 * Prints `checksum: N.NN` (the sum of all totals) and `evaluations_per_second: N` (200 leaves ×
 * subjects × months per second of this thread's CPU time, reading the file excluded).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* half-up rounding of 100·p/q to whole hundredths, for p ≥ 0, q > 0 */
static inline int64_t cents(int64_t p, int64_t q) { return (200 * p + q) / (2 * q); }

static inline int64_t clamp50(int64_t c) { return c < 0 ? 0 : (c > 50 ? 50 : c); }

static const int64_t *metric_of; /* x9 in hundredths per subject, for sorting */

static int by_metric_descending(const void *a, const void *b) {
    int32_t i = *(const int32_t *)a, j = *(const int32_t *)b;
    if (metric_of[i] != metric_of[j]) return metric_of[i] > metric_of[j] ? -1 : 1;
    return i < j ? -1 : (i > j);
}

static double cpu_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: reference FILE\n"); return 2; }
    FILE *file = fopen(argv[1], "rb");
    if (!file) { perror(argv[1]); return 2; }
    int64_t header[2];
    if (fread(header, sizeof header, 1, file) != 1) { fprintf(stderr, "short file\n"); return 2; }
    int64_t n = header[0], months = header[1];
    if (n <= 0 || months <= 0 || n > 100000000 || months > 1000) { fprintf(stderr, "bad header\n"); return 2; }
    int64_t *raw = malloc(sizeof(int64_t) * 10 * n * months);
    if (!raw || fread(raw, sizeof(int64_t), 10 * n * months, file) != (size_t)(10 * n * months)) {
        fprintf(stderr, "short file\n");
        return 2;
    }
    fclose(file);

    int64_t *x = malloc(sizeof(int64_t) * 10 * n);     /* inputs in hundredths */
    int64_t *metric = malloc(sizeof(int64_t) * n);
    int32_t *order = malloc(sizeof(int32_t) * n);
    int64_t *ranked = malloc(sizeof(int64_t) * n);     /* the ranking leaf's score in hundredths */
    int64_t checksum = 0;
    static volatile int64_t sink;
    int64_t scores[200]; /* each leaf's score for the subject at hand, as an engine keeps them */

    double start = cpu_seconds();
    for (int64_t month = 0; month < months; month++) {
        const int64_t *in = raw + 10 * n * month;
        for (int64_t k = 0; k < 10 * n; k++) {
            if (in[k] % 1000000 != 0) { fprintf(stderr, "an input has more than two decimals\n"); return 3; }
            x[k] = in[k] / 1000000;
        }
        /* R14 ranking by x9, descending; ties share the better rank. */
        for (int64_t s = 0; s < n; s++) { metric[s] = x[10 * s + 9]; order[s] = (int32_t)s; }
        metric_of = metric;
        qsort(order, (size_t)n, sizeof(int32_t), by_metric_descending);
        int64_t rank = 0;
        for (int64_t p = 0; p < n; p++) {
            if (p == 0 || metric[order[p - 1]] != metric[order[p]]) rank = p + 1;
            /* 0.5 × (1 − 0.4 × (r − 1)/(n − 1)) = (50(n − 1) − 20(r − 1)) / (100(n − 1)) */
            int64_t score = n > 1 ? cents(50 * (n - 1) - 20 * (rank - 1), 100 * (n - 1)) : 50;
            ranked[order[p]] = clamp50(score);
        }
        for (int64_t s = 0; s < n; s++) {
            const int64_t *v = x + 10 * s;
            int64_t total = 0;
            for (int g = 0; g < 20; g++) {
                int64_t group = 0;
                for (int l = 0; l < 10; l++) {
                    int64_t xl = v[l], c;
                    switch ((g * 10 + l) % 10) {
                    case 0: /* proportional: x × 0.5 ÷ 100 = x/200 */
                        c = cents(xl, 20000);
                        break;
                    case 1: /* rate: (x ÷ 100) × 0.5 */
                        c = cents(xl, 20000);
                        break;
                    case 2: /* threshold: x ≥ 60 → max, else 0 */
                        c = xl >= 6000 ? 50 : 0;
                        break;
                    case 3: /* tiers: ≥ 90 → 0.5, [75, 90) → 0.4, [60, 75) → 0.2, < 60 → 0 */
                        c = xl >= 9000 ? 50 : xl >= 7500 ? 40 : xl >= 6000 ? 20 : 0;
                        break;
                    case 4: { /* shortfall: target 95, 0.1 a whole step of 10 short, floor 0 */
                        int64_t gap = 9500 - xl;
                        c = gap <= 0 ? 50 : 50 - 10 * (gap / 1000);
                        if (c < 0) c = 0;
                        break;
                    }
                    case 5: { /* incidents: floor(x / 25) times 0.1, at most max */
                        int64_t deduction = 10 * (xl / 2500);
                        c = 50 - (deduction > 50 ? 50 : deduction);
                        break;
                    }
                    case 6: { /* deviation from 50: max(0, (1 − |x − 50| ÷ 50) × 0.5) = (50 − |x − 50|) / 100 */
                        int64_t d = xl > 5000 ? xl - 5000 : 5000 - xl;
                        c = 5000 - d <= 0 ? 0 : cents(5000 - d, 10000);
                        break;
                    }
                    case 7: /* formula: min(x / 200, 1) × max */
                        c = xl >= 20000 ? 50 : cents(xl, 40000);
                        break;
                    case 8: { /* shortfall, proportional: target 80, 0.01 a unit short, below 30 → 0 */
                        int64_t gap = 8000 - xl;
                        c = xl < 3000 ? 0 : gap <= 0 ? 50 : (5000 - gap <= 0 ? 0 : cents(5000 - gap, 10000));
                        break;
                    }
                    default: /* ranking (even groups, precomputed above) or rescale from 100 */
                        c = g % 2 == 0 ? ranked[s] : cents(xl, 20000);
                        break;
                    }
                    c = clamp50(c);
                    scores[g * 10 + l] = c;
                    group += c;
                }
                total += group;
            }
            checksum += total;
        }
    }
    double seconds = cpu_seconds() - start;
    sink = scores[0] + scores[199];
    printf("checksum: %lld.%02lld\n", (long long)(checksum / 100), (long long)(checksum % 100));
    printf("evaluations_per_second: %.0f\n", 200.0 * (double)n * (double)months / seconds);
    printf("cpu_seconds: %.4f\n", seconds);
    return 0;
}
