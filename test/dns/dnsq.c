// Test helper for the live DNS tests: the two query paths busybox nslookup does not take.
//   tcp SERVER NAME          one A query over TCP (connect to port 53, write, read the reply)
//   mmsg SERVER NAME1 NAME2  two A queries by one sendmmsg() on an unconnected UDP socket (each
//                            message addressed to SERVER:53), both replies read by recvfrom()
// Prints `rcode N answers M` per reply; exits non-zero when a step fails.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static void die(const char *what) {
  fprintf(stderr, "dnsq: %s: %s\n", what, strerror(errno));
  exit(1);
}

/* An A query for NAME with id ID into OUT; returns its length. */
static size_t query(unsigned char *out, unsigned id, const char *name) {
  unsigned char *p = out;
  *p++ = id >> 8;
  *p++ = id & 0xff;
  *p++ = 0x01; /* RD */
  *p++ = 0;
  *p++ = 0, *p++ = 1; /* one question */
  memset(p, 0, 6);
  p += 6;
  const char *s = name;
  while (*s) {
    const char *dot = strchr(s, '.');
    size_t n = dot ? (size_t)(dot - s) : strlen(s);
    *p++ = (unsigned char)n;
    memcpy(p, s, n);
    p += n;
    s += n;
    if (*s == '.') s++;
  }
  *p++ = 0;
  *p++ = 0, *p++ = 1; /* A */
  *p++ = 0, *p++ = 1; /* IN */
  return (size_t)(p - out);
}

static void report(const unsigned char *m, ssize_t n) {
  if (n < 12) {
    fprintf(stderr, "dnsq: short reply (%zd bytes)\n", n);
    exit(1);
  }
  printf("rcode %d answers %d\n", m[3] & 0xf, (m[6] << 8) | m[7]);
}

static struct sockaddr_in server(const char *ip) {
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(53)};
  if (inet_pton(AF_INET, ip, &a.sin_addr) != 1) {
    fprintf(stderr, "dnsq: bad address %s\n", ip);
    exit(2);
  }
  return a;
}

static void timeout(int fd) {
  struct timeval tv = {.tv_sec = 5};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

static void tcp(const char *ip, const char *name) {
  struct sockaddr_in a = server(ip);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) die("socket");
  timeout(fd);
  if (connect(fd, (struct sockaddr *)&a, sizeof(a))) die("connect");
  unsigned char buf[600];
  size_t n = query(buf + 2, 0x7c01, name);
  buf[0] = n >> 8;
  buf[1] = n & 0xff;
  if (write(fd, buf, n + 2) != (ssize_t)(n + 2)) die("write");
  unsigned char r[2048];
  ssize_t got = 0;
  while (got < 2 || got < 2 + ((r[0] << 8) | r[1])) {
    ssize_t k = read(fd, r + got, sizeof(r) - (size_t)got);
    if (k <= 0) die("read");
    got += k;
  }
  report(r + 2, got - 2);
  close(fd);
}

static void mmsg(const char *ip, const char *n1, const char *n2) {
  struct sockaddr_in a = server(ip);
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) die("socket");
  timeout(fd);
  unsigned char q1[600], q2[600];
  struct iovec v[2] = {{q1, query(q1, 0x7c02, n1)}, {q2, query(q2, 0x7c03, n2)}};
  struct mmsghdr m[2];
  memset(m, 0, sizeof(m));
  for (int i = 0; i < 2; i++) {
    m[i].msg_hdr.msg_name = &a;
    m[i].msg_hdr.msg_namelen = sizeof(a);
    m[i].msg_hdr.msg_iov = &v[i];
    m[i].msg_hdr.msg_iovlen = 1;
  }
  if (sendmmsg(fd, m, 2, 0) != 2) die("sendmmsg");
  for (int i = 0; i < 2; i++) {
    unsigned char r[2048];
    ssize_t k = recvfrom(fd, r, sizeof(r), 0, NULL, NULL);
    if (k < 0) die("recvfrom");
    report(r, k);
  }
  close(fd);
}

int main(int argc, char **argv) {
  if (argc == 4 && strcmp(argv[1], "tcp") == 0)
    tcp(argv[2], argv[3]);
  else if (argc == 5 && strcmp(argv[1], "mmsg") == 0)
    mmsg(argv[2], argv[3], argv[4]);
  else {
    fprintf(stderr, "usage: dnsq tcp SERVER NAME | dnsq mmsg SERVER NAME1 NAME2\n");
    return 2;
  }
  return 0;
}
