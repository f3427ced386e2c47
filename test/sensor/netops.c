// Test helper: socket calls exactly as told, so the network sensor tests know every address.
// Prints one line per step (`port N` for listeners) and exits non-zero on an unexpected failure.
//   tcp4 | tcp6 | udp4 | udp6   listen (tcp) or bind (udp) on loopback, connect to it, accept (tcp)
//   refused                     connect to a closed loopback port (ECONNREFUSED expected)
//   nonblock                    non-blocking connect to a loopback listener (EINPROGRESS)
//   unix PATH | abstract NAME   bind + listen, connect, accept on a unix stream socket
//   netlink                     bind a netlink socket (must produce no record)
//   storm N                     N loopback TCP connects + accepts to one listener
//   sendstorm N                 N UDP datagrams to a loopback socket by sendto() with the address,
//                               then N by send() on a connected socket (the send hooks' two paths)
//   dialv4 IP PORT              one TCP connect (result ignored), e.g. to 169.254.169.254 80
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static void die(const char *what) {
  fprintf(stderr, "netops: %s: %s\n", what, strerror(errno));
  exit(1);
}

static int inet_pair(int family, int type, int do_accept) {
  struct sockaddr_storage ss = {0};
  socklen_t len;
  if (family == AF_INET) {
    struct sockaddr_in *a = (void *)&ss;
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    len = sizeof(*a);
  } else {
    struct sockaddr_in6 *a = (void *)&ss;
    a->sin6_family = AF_INET6;
    a->sin6_addr = in6addr_loopback;
    len = sizeof(*a);
  }
  int s = socket(family, type, 0);
  if (s < 0) die("socket");
  if (bind(s, (void *)&ss, len)) die("bind");
  if (type == SOCK_STREAM && listen(s, 16)) die("listen");
  if (getsockname(s, (void *)&ss, &len)) die("getsockname");
  int port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port : ((struct sockaddr_in6 *)&ss)->sin6_port);
  printf("port %d\n", port);
  int c = socket(family, type, 0);
  if (c < 0) die("socket");
  if (connect(c, (void *)&ss, len)) die("connect");
  if (do_accept && type == SOCK_STREAM) {
    int a = accept(s, NULL, NULL);
    if (a < 0) die("accept");
    close(a);
  }
  close(c);
  return s;
}

static void unix_pair(const char *name, int abstract) {
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  socklen_t len;
  if (abstract) {
    size_t n = strlen(name);
    memcpy(a.sun_path + 1, name, n);
    len = offsetof(struct sockaddr_un, sun_path) + 1 + n;
  } else {
    unlink(name);
    snprintf(a.sun_path, sizeof(a.sun_path), "%s", name);
    len = sizeof(a);
  }
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  if (s < 0 || bind(s, (void *)&a, len) || listen(s, 4)) die("unix listen");
  int c = socket(AF_UNIX, SOCK_STREAM, 0);
  if (c < 0 || connect(c, (void *)&a, len)) die("unix connect");
  int x = accept4(s, NULL, NULL, SOCK_CLOEXEC);
  if (x < 0) die("unix accept");
  close(x);
  close(c);
  close(s);
  if (!abstract) unlink(name);
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  for (int i = 1; i < argc; i++) {
    const char *op = argv[i];
    if (!strcmp(op, "tcp4")) close(inet_pair(AF_INET, SOCK_STREAM, 1));
    else if (!strcmp(op, "tcp6")) close(inet_pair(AF_INET6, SOCK_STREAM, 1));
    else if (!strcmp(op, "udp4")) close(inet_pair(AF_INET, SOCK_DGRAM, 0));
    else if (!strcmp(op, "udp6")) close(inet_pair(AF_INET6, SOCK_DGRAM, 0));
    else if (!strcmp(op, "refused")) {
      // a port that was just bound and closed again: nothing listens there
      int s = socket(AF_INET, SOCK_STREAM, 0);
      struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
      socklen_t len = sizeof(a);
      if (bind(s, (void *)&a, len) || getsockname(s, (void *)&a, &len)) die("refused bind");
      close(s);
      printf("port %d\n", ntohs(a.sin_port));
      int c = socket(AF_INET, SOCK_STREAM, 0);
      if (connect(c, (void *)&a, len) == 0 || errno != ECONNREFUSED) die("expected ECONNREFUSED");
      close(c);
    } else if (!strcmp(op, "nonblock")) {
      int s = inet_pair(AF_INET, SOCK_STREAM, 0);
      struct sockaddr_in a;
      socklen_t len = sizeof(a);
      getsockname(s, (void *)&a, &len);
      int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      int r = connect(c, (void *)&a, len);
      printf("nonblock %d %d\n", r, r ? errno : 0);
      close(c);
      close(s);
    } else if (!strcmp(op, "unix") && i + 1 < argc) unix_pair(argv[++i], 0);
    else if (!strcmp(op, "abstract") && i + 1 < argc) unix_pair(argv[++i], 1);
    else if (!strcmp(op, "netlink")) {
      int s = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
      struct sockaddr_nl a = {.nl_family = AF_NETLINK};
      if (s < 0 || bind(s, (void *)&a, sizeof(a))) die("netlink");
      close(s);
    } else if (!strcmp(op, "storm") && i + 1 < argc) {
      int n = atoi(argv[++i]);
      int s = socket(AF_INET, SOCK_STREAM, 0);
      struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
      socklen_t len = sizeof(a);
      int one = 1;
      setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
      if (bind(s, (void *)&a, len) || listen(s, 128) || getsockname(s, (void *)&a, &len)) die("storm listen");
      for (int k = 0; k < n; k++) {
        int c = socket(AF_INET, SOCK_STREAM, 0);
        if (c < 0 || connect(c, (void *)&a, len)) die("storm connect");
        int x = accept(s, NULL, NULL);
        if (x < 0) die("storm accept");
        // RST instead of TIME_WAIT: thousands of connects must not run out of ports
        struct linger l = {1, 0};
        setsockopt(c, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
        close(c);
        close(x);
      }
      close(s);
    } else if (!strcmp(op, "sendstorm") && i + 1 < argc) {
      int n = atoi(argv[++i]);
      int r = socket(AF_INET, SOCK_DGRAM, 0);
      struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
      socklen_t len = sizeof(a);
      if (r < 0 || bind(r, (void *)&a, len) || getsockname(r, (void *)&a, &len)) die("sendstorm bind");
      int u = socket(AF_INET, SOCK_DGRAM, 0);
      char buf[64] = "d4c", sink[64];
      for (int k = 0; k < n; k++) {
        if (sendto(u, buf, sizeof(buf), 0, (void *)&a, len) < 0) die("sendstorm sendto");
        recv(r, sink, sizeof(sink), 0); // keep the receive queue from filling
      }
      if (connect(u, (void *)&a, len)) die("sendstorm connect");
      for (int k = 0; k < n; k++) {
        if (send(u, buf, sizeof(buf), 0) < 0) die("sendstorm send");
        recv(r, sink, sizeof(sink), 0);
      }
      close(u);
      close(r);
    } else if (!strcmp(op, "dialv4") && i + 2 < argc) {
      struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[i + 2]))};
      inet_pton(AF_INET, argv[i + 1], &a.sin_addr);
      i += 2;
      int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      int r = connect(c, (void *)&a, sizeof(a));
      printf("dial %d %d\n", r, r ? errno : 0);
      close(c);
    } else {
      fprintf(stderr, "netops: bad step %s\n", op);
      return 2;
    }
  }
  return 0;
}
