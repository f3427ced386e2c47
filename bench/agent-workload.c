// Workload for bench/agent.bench.ts: N fork+exec of /bin/true, or N create/write/close/unlink
// cycles; prints its own elapsed seconds. Built static so it runs in the busybox image.
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
int main(int argc, char **argv) {
  if (argc < 3) return 2;
  long n = atol(argv[2]);
  double t0 = now();
  if (!strcmp(argv[1], "exec")) {
    for (long i = 0; i < n; i++) {
      pid_t p = fork();
      if (p == 0) { char *a[] = {"/bin/true", NULL}; execv(a[0], a); _exit(127); }
      int st; waitpid(p, &st, 0);
    }
  } else {
    for (long i = 0; i < n; i++) {
      int fd = open("/tmp/wl-file", O_CREAT | O_WRONLY | O_TRUNC, 0644);
      if (fd < 0) return 1;
      if (write(fd, "x", 1) != 1) return 1;
      close(fd);
      unlink("/tmp/wl-file");
    }
  }
  printf("%.6f\n", now() - t0);
  return 0;
}
