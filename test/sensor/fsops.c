// Test helper: performs file syscalls exactly as told, so the sensor tests control dirfds,
// relative names and odd bytes. Names accept \xNN escapes. Exits non-zero on the first failure.
//   dirfd P | cwdfd | chdir P | mkcd N | mkdir N | create N | append N | read N | trunc N | ftrunc N
//   chmod N MODE | fchmod N MODE | rename A B | link A B | symlink T L | unlink N | rmdir N
//   mknod N | create2 N (openat2) | thread N (create from a thread) | spawn PATH ARG | spawnkill | churn N | legacy N (open, creat, rename... without *at) | sleep MS
//   ttywrite S (write S to stdout) | ttywritev A B (writev of A, then B, to stdout) | ttybig N (N 'z' to stdout, in writes of 128 KiB)
//   writestorm N (N one-byte writes to /dev/null: a character device, not a terminal)
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static char *unescape(const char *s) {
  char *out = malloc(strlen(s) + 1), *o = out;
  while (*s) {
    if (s[0] == '\\' && s[1] == 'x' && s[2] && s[3]) {
      char h[3] = {s[2], s[3], 0};
      *o++ = (char)strtol(h, NULL, 16);
      s += 4;
    } else if (s[0] == '\\' && s[1] == 'n') {
      *o++ = '\n';
      s += 2;
    } else {
      *o++ = *s++;
    }
  }
  *o = 0;
  return out;
}

static void *thread_create(void *name) {
  int fd = open((const char *)name, O_CREAT | O_WRONLY, 0644);
  if (fd >= 0) close(fd);
  return NULL;
}

static void check(int r, const char *op, const char *arg) {
  if (r < 0) {
    fprintf(stderr, "fsops: %s %s: %s\n", op, arg, strerror(errno));
    exit(1);
  }
}

int main(int argc, char **argv) {
  int dfd = AT_FDCWD;
  for (int i = 1; i < argc; i++) {
    const char *op = argv[i];
    char *a = i + 1 < argc ? unescape(argv[i + 1]) : NULL;
    char *b = i + 2 < argc ? unescape(argv[i + 2]) : NULL;
    int fd;
    if (!strcmp(op, "dirfd")) {
      check(dfd = open(a, O_RDONLY | O_DIRECTORY), op, a); i++;
    } else if (!strcmp(op, "cwdfd")) {
      dfd = AT_FDCWD;
    } else if (!strcmp(op, "chdir")) {
      check(chdir(a), op, a); i++;
    } else if (!strcmp(op, "mkcd")) {
      check(mkdir(a, 0755), op, a); check(chdir(a), op, a); i++;
    } else if (!strcmp(op, "mkdir")) {
      check(mkdirat(dfd, a, 0755), op, a); i++;
    } else if (!strcmp(op, "create")) {
      check(fd = openat(dfd, a, O_CREAT | O_WRONLY | O_TRUNC, 0644), op, a);
      check(write(fd, "x\n", 2), op, a); close(fd); i++;
    } else if (!strcmp(op, "append")) {
      check(fd = openat(dfd, a, O_WRONLY | O_APPEND), op, a);
      check(write(fd, "y\n", 2), op, a); close(fd); i++;
    } else if (!strcmp(op, "read")) {
      char buf[16];
      check(fd = openat(dfd, a, O_RDONLY), op, a); check(read(fd, buf, sizeof buf), op, a); close(fd); i++;
    } else if (!strcmp(op, "trunc")) {
      check(truncate(a, 0), op, a); i++;
    } else if (!strcmp(op, "ftrunc")) {
      check(fd = openat(dfd, a, O_RDWR), op, a); check(ftruncate(fd, 1), op, a); close(fd); i++;
    } else if (!strcmp(op, "chmod")) {
      check(fchmodat(dfd, a, strtol(b, NULL, 8), 0), op, a); i += 2;
    } else if (!strcmp(op, "fchmod")) {
      check(fd = openat(dfd, a, O_RDONLY), op, a); check(fchmod(fd, strtol(b, NULL, 8)), op, a); close(fd); i += 2;
    } else if (!strcmp(op, "rename")) {
      check(renameat(dfd, a, dfd, b), op, a); i += 2;
    } else if (!strcmp(op, "link")) {
      check(linkat(dfd, a, dfd, b, 0), op, a); i += 2;
    } else if (!strcmp(op, "symlink")) {
      check(symlinkat(a, dfd, b), op, a); i += 2;
    } else if (!strcmp(op, "unlink")) {
      check(unlinkat(dfd, a, 0), op, a); i++;
    } else if (!strcmp(op, "rmdir")) {
      check(unlinkat(dfd, a, AT_REMOVEDIR), op, a); i++;
    } else if (!strcmp(op, "mknod")) {
      check(mknodat(dfd, a, S_IFIFO | 0600, 0), op, a); i++;
    } else if (!strcmp(op, "spawn")) {
      pid_t p = fork();
      check(p, op, a);
      if (p == 0) {
        execl(a, a, b, (char *)NULL);
        _exit(127);
      }
      int st;
      waitpid(p, &st, 0);
      i += 2;
    } else if (!strcmp(op, "create2")) {
      struct { unsigned long long flags, mode, resolve; } how = {O_CREAT | O_WRONLY, 0600, 0};
      check(fd = (int)syscall(SYS_openat2, dfd, a, &how, sizeof how), op, a); close(fd); i++;
    } else if (!strcmp(op, "thread")) {
      pthread_t th;
      pthread_create(&th, NULL, thread_create, a);
      pthread_join(th, NULL);
      i++;
    } else if (!strcmp(op, "spawnkill")) {
      pid_t p = fork();
      check(p, op, "");
      if (p == 0) raise(SIGKILL);
      int st;
      waitpid(p, &st, 0);
    } else if (!strcmp(op, "legacy")) {
      // The pre-*at syscalls, called directly (glibc routes open() to openat, etc.).
#ifdef SYS_open
      char x[512], y[512];
      snprintf(x, sizeof x, "%s.a", a);
      snprintf(y, sizeof y, "%s.b", a);
      check(fd = (int)syscall(SYS_creat, x, 0644), "creat", x); close(fd);
      check(fd = (int)syscall(SYS_open, x, O_WRONLY | O_APPEND, 0), "open", x); close(fd);
      check((int)syscall(SYS_truncate, x, 0), "truncate", x);
      check((int)syscall(SYS_chmod, x, 0700), "chmod", x);
      check((int)syscall(SYS_rename, x, y), "rename", x);
      check((int)syscall(SYS_link, y, x), "link", y);
      check((int)syscall(SYS_unlink, x), "unlink", x);
      check((int)syscall(SYS_symlink, y, x), "symlink", y);
      check((int)syscall(SYS_unlink, x), "unlink", x);
      check((int)syscall(SYS_mknod, x, S_IFIFO | 0600, 0), "mknod", x);
      check((int)syscall(SYS_unlink, x), "unlink", x);
      check((int)syscall(SYS_unlink, y), "unlink", y);
      check((int)syscall(SYS_mkdir, x, 0700), "mkdir", x);
      check((int)syscall(SYS_rmdir, x), "rmdir", x);
#endif
      i++;
    } else if (!strcmp(op, "churn")) {
      for (int k = atoi(a); k > 0; k--) {
        check(fd = openat(dfd, "churn.tmp", O_CREAT | O_WRONLY | O_TRUNC, 0644), op, a);
        check(write(fd, "x", 1), op, a);
        close(fd);
        check(unlinkat(dfd, "churn.tmp", 0), op, a);
      }
      i++;
    } else if (!strcmp(op, "ttywrite")) {
      check((int)write(1, a, strlen(a)), op, a); i++;
    } else if (!strcmp(op, "ttywritev")) {
      struct iovec v[2] = {{a, strlen(a)}, {b, strlen(b)}};
      check((int)writev(1, v, 2), op, a); i += 2;
    } else if (!strcmp(op, "ttybig")) {
      size_t n = (size_t)atoi(a);
      char *z = malloc(n);
      memset(z, 'z', n);
      // In 128 KiB writes, as cat(1) does.
      for (size_t done = 0; done < n;) {
        ssize_t w = write(1, z + done, n - done < 131072 ? n - done : 131072);
        check((int)w, op, a);
        done += (size_t)w;
      }
      free(z); i++;
    } else if (!strcmp(op, "writestorm")) {
      check(fd = open("/dev/null", O_WRONLY), op, a);
      for (int k = atoi(a); k > 0; k--) check((int)write(fd, "x", 1), op, a);
      close(fd); i++;
    } else if (!strcmp(op, "sleep")) {
      usleep(atoi(a) * 1000); i++;
    } else {
      fprintf(stderr, "fsops: unknown op %s\n", op);
      return 2;
    }
  }
  return 0;
}
