// Timed open(2) loop run inside a container by bench/enforce.bench.ts (built static, so it runs
// on the busybox image). Usage: openloop PATH write|read N  ->  "ok FAILS MEDIAN_NS P99_NS TOTAL_NS"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static long long now(void) {
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000ll + t.tv_nsec;
}
static int cmp(const void *a, const void *b) {
	long long x = *(const long long *)a, y = *(const long long *)b;
	return x < y ? -1 : x > y;
}
int main(int argc, char **argv) {
	if (argc != 4) return 2;
	int flags = argv[2][0] == 'w' ? O_WRONLY : O_RDONLY;
	int n = atoi(argv[3]), fails = 0;
	long long *t = malloc(sizeof *t * n), start = now();
	for (int i = 0; i < n; i++) {
		long long a = now();
		int fd = open(argv[1], flags);
		t[i] = now() - a;
		if (fd < 0) fails++;
		else close(fd);
	}
	long long total = now() - start;
	qsort(t, n, sizeof *t, cmp);
	printf("ok %d %lld %lld %lld\n", fails, t[n / 2], t[(long long)n * 99 / 100], total);
	return 0;
}
