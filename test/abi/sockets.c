/* SPDX-License-Identifier: MIT */
/* Sockets against Linux: socketpair (stream, datagram, seqpacket), AF_UNIX
 * servers and clients between processes (path and abstract names, SCM_RIGHTS),
 * TCP and UDP on 127.0.0.1 between processes, and the argument checks. */
#define _GNU_SOURCE
#include "common.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *en(int e) {
  switch (e) {
  case EAGAIN: return "EAGAIN"; case EINVAL: return "EINVAL"; case EBADF: return "EBADF"; case ENOTSOCK: return "ENOTSOCK";
  case EAFNOSUPPORT: return "EAFNOSUPPORT"; case EPROTONOSUPPORT: return "EPROTONOSUPPORT"; case ESOCKTNOSUPPORT: return "ESOCKTNOSUPPORT";
  case EOPNOTSUPP: return "EOPNOTSUPP"; case EADDRINUSE: return "EADDRINUSE"; case ECONNREFUSED: return "ECONNREFUSED";
  case ENOENT: return "ENOENT"; case ENOTCONN: return "ENOTCONN"; case EISCONN: return "EISCONN"; case EPIPE: return "EPIPE";
  case EDESTADDRREQ: return "EDESTADDRREQ"; case ENOPROTOOPT: return "ENOPROTOOPT"; case EFAULT: return "EFAULT";
  default: { static char b[16]; snprintf(b, sizeof b, "errno %d", e); return b; }
  }
}

#define SHOW(label, expr) do { errno = 0; long r_ = (long)(expr); \
  printf("%s = %ld%s%s\n", label, r_, r_ < 0 ? " " : "", r_ < 0 ? en(errno) : ""); } while (0)

static void pairs(void) {
  RUN("socketpair");
  int sv[2];
  SHOW("stream pair", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
  SHOW("write", write(sv[0], "hello", 5));
  char b[64] = { 0 };
  SHOW("recv peek", recv(sv[1], b, 3, MSG_PEEK));
  SHOW("read", read(sv[1], b, sizeof b));
  printf("'%s'\n", b);
  SHOW("nonblocking recv", recv(sv[1], b, 1, MSG_DONTWAIT));
  SHOW("shutdown write", shutdown(sv[0], SHUT_WR));
  SHOW("read at end", read(sv[1], b, 1));
  signal(SIGPIPE, SIG_IGN);
  SHOW("write after shutdown", write(sv[0], "x", 1));
  SHOW("send MSG_NOSIGNAL to closed peer", (close(sv[1]), send(sv[0], "x", 1, MSG_NOSIGNAL)));
  close(sv[0]);
  SHOW("dgram pair", socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
  SHOW("send 3", send(sv[0], "abc", 3, 0));
  SHOW("send 2", send(sv[0], "de", 2, 0));
  SHOW("recv keeps boundaries", recv(sv[1], b, 10, 0));
  SHOW("recv short, MSG_TRUNC", recv(sv[1], b, 1, MSG_TRUNC));
  close(sv[0]); close(sv[1]);
  SHOW("seqpacket pair", socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv));
  SHOW("send", send(sv[0], "12345", 5, 0));
  SHOW("send", send(sv[0], "67", 2, 0));
  SHOW("recv", recv(sv[1], b, 3, 0));
  SHOW("recv", recv(sv[1], b, 10, 0));
  close(sv[0]); close(sv[1]);
  SHOW("inet pair", socketpair(AF_INET, SOCK_STREAM, 0, sv));
  OK("socketpair");
}

static void checks(void) {
  RUN("socket-checks");
  SHOW("bad family", socket(12345, SOCK_STREAM, 0));
  SHOW("bad type", socket(AF_UNIX, 77, 0));
  SHOW("bad flags", socket(AF_UNIX, SOCK_STREAM | 0x100000, 0));
  SHOW("unix protocol", socket(AF_UNIX, SOCK_STREAM, 6));
  SHOW("tcp with udp protocol", socket(AF_INET, SOCK_STREAM, IPPROTO_UDP));
  SHOW("inet seqpacket", socket(AF_INET, SOCK_SEQPACKET, 0) >= 0 ? 0 : -1);
  SHOW("getsockname of a pipe", ({ int p[2]; pipe(p); struct sockaddr_in a; socklen_t l = sizeof a; getsockname(p[0], (void *)&a, &l); }));
  SHOW("bind bad fd", bind(99, NULL, 0));
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un u = { .sun_family = AF_UNIX };
  SHOW("listen unbound unix", listen(s, 1));
  SHOW("bind short", bind(s, (struct sockaddr *)&u, 1));
  u.sun_family = AF_INET;
  SHOW("bind wrong family", bind(s, (struct sockaddr *)&u, sizeof u));
  SHOW("connect no such path", (u.sun_family = AF_UNIX, strcpy(u.sun_path, "/nonexistent/lwp.sock"), connect(s, (struct sockaddr *)&u, sizeof u)));
  SHOW("accept not listening", accept(s, NULL, NULL));
  SHOW("send unconnected", send(s, "x", 1, MSG_NOSIGNAL));
  int v = 0;
  socklen_t l = sizeof v;
  SHOW("SO_TYPE", (getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &l), v));
  SHOW("SO_DOMAIN", (getsockopt(s, SOL_SOCKET, SO_DOMAIN, &v, &l), v));
  SHOW("SO_ACCEPTCONN", (getsockopt(s, SOL_SOCKET, SO_ACCEPTCONN, &v, &l), v));
  SHOW("bad level", getsockopt(s, 9999, 1, &v, &l));
  SHOW("bad option", getsockopt(s, SOL_SOCKET, 9999, &v, &l));
  SHOW("shutdown bad how", shutdown(s, 7));
  close(s);
  int d = socket(AF_INET, SOCK_DGRAM, 0);
  SHOW("udp send without address", send(d, "x", 1, 0));
  SHOW("TCP_NODELAY on udp", setsockopt(d, IPPROTO_TCP, TCP_NODELAY, &v, sizeof v));
  close(d);
  OK("socket-checks");
}

static void unix_server(const char *label, struct sockaddr_un *u, socklen_t len) {
  int srv = socket(AF_UNIX, SOCK_STREAM, 0);
  SHOW("bind", bind(srv, (struct sockaddr *)u, len));
  SHOW("bind again", bind(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)u, len));
  SHOW("listen", listen(srv, 4));
  pid_t c = fork();
  if (c == 0) {
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    if (connect(s, (struct sockaddr *)u, len) != 0) _exit(1);
    char b[32];
    ssize_t n = read(s, b, sizeof b);
    if (write(s, b, (size_t)n) != n) _exit(2);
    if (read(s, b, 3) != 3) _exit(6);
    /* Pass a pipe's write end back: the server writes through it. */
    int p[2];
    if (pipe(p) != 0) _exit(3);
    char ctl[CMSG_SPACE(sizeof(int))] = { 0 };
    struct iovec io = { "F", 1 };
    struct msghdr m = { .msg_iov = &io, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl };
    struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
    cm->cmsg_level = SOL_SOCKET; cm->cmsg_type = SCM_RIGHTS; cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &p[1], sizeof(int));
    if (sendmsg(s, &m, 0) != 1) _exit(4);
    close(p[1]);
    n = read(p[0], b, sizeof b);
    _exit(n == 6 && !memcmp(b, "viafd!", 6) ? 0 : 5);
  }
  struct sockaddr_un peer;
  socklen_t pl = sizeof peer;
  int a = accept(srv, (struct sockaddr *)&peer, &pl);
  printf("%s: accepted %d, peer address length %u\n", label, a >= 0, pl);
  SHOW("write", write(a, "ping", 4));
  char b[32] = { 0 };
  SHOW("read echo", read(a, b, sizeof b));
  SHOW("ack", write(a, "ack", 3));
  char ctl[CMSG_SPACE(sizeof(int))];
  struct iovec io = { b, 1 };
  struct msghdr m = { .msg_iov = &io, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl };
  SHOW("recvmsg", recvmsg(a, &m, 0));
  struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
  int fd = -1;
  if (cm != NULL && cm->cmsg_type == SCM_RIGHTS) memcpy(&fd, CMSG_DATA(cm), sizeof fd);
  printf("got a descriptor: %d\n", fd >= 0);
  SHOW("write through it", write(fd, "viafd!", 6));
  close(fd);
  int st;
  CHECK(waitpid(c, &st, 0) == c);
  printf("child status %d\n", WEXITSTATUS(st));
  close(a);
  struct stat sst;
  if (u->sun_path[0] != 0) SHOW("the socket file", (stat(u->sun_path, &sst), S_ISSOCK(sst.st_mode)));
  close(srv);
}

static void unix_sockets(void) {
  RUN("unix");
  char dir[] = "/tmp/lwp-sock-XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  struct sockaddr_un u = { .sun_family = AF_UNIX };
  snprintf(u.sun_path, sizeof u.sun_path, "%s/s", dir);
  unix_server("path", &u, sizeof u);
  unlink(u.sun_path);
  rmdir(dir);
  struct sockaddr_un ab = { .sun_family = AF_UNIX };
  memcpy(ab.sun_path, "\0lwp-abstract", 13);
  unix_server("abstract", &ab, offsetof(struct sockaddr_un, sun_path) + 13);
  int d1 = socket(AF_UNIX, SOCK_DGRAM, 0), d2 = socket(AF_UNIX, SOCK_DGRAM, 0);
  memcpy(ab.sun_path, "\0lwp-dgram", 10);
  socklen_t al = offsetof(struct sockaddr_un, sun_path) + 10;
  SHOW("bind dgram", bind(d1, (struct sockaddr *)&ab, al));
  SHOW("sendto", sendto(d2, "datagram", 8, 0, (struct sockaddr *)&ab, al));
  struct sockaddr_un from;
  socklen_t fl = sizeof from;
  char b[16];
  SHOW("recvfrom", recvfrom(d1, b, sizeof b, 0, (struct sockaddr *)&from, &fl));
  printf("sender unnamed: %d\n", fl == offsetof(struct sockaddr_un, sun_path));
  memcpy(ab.sun_path, "\0lwp-nobody", 11);
  SHOW("sendto nobody", sendto(d2, "x", 1, 0, (struct sockaddr *)&ab, al + 1));
  close(d1); close(d2);
  OK("unix");
}

static void inet(int family) {
  RUN(family == AF_INET ? "tcp4" : "tcp6");
  int srv = socket(family, SOCK_STREAM, 0);
  struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
  struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  struct sockaddr *a = family == AF_INET ? (struct sockaddr *)&a4 : (struct sockaddr *)&a6;
  socklen_t al = family == AF_INET ? sizeof a4 : sizeof a6;
  SHOW("bind port 0", bind(srv, a, al));
  SHOW("getsockname", getsockname(srv, a, &al));
  SHOW("listen", listen(srv, 8));
  pid_t c = fork();
  if (c == 0) {
    int s = socket(family, SOCK_STREAM, 0);
    if (connect(s, a, al) != 0) _exit(1);
    char b[64];
    ssize_t n, total = 0;
    while ((n = read(s, b, sizeof b)) > 0) total += n;
    _exit(total == 100000 ? 0 : 2);
  }
  int x = accept(srv, NULL, NULL);
  static char big[100000];
  SHOW("server sends 100000", write(x, big, sizeof big));
  close(x);
  int st;
  CHECK(waitpid(c, &st, 0) == c);
  printf("client status %d\n", WEXITSTATUS(st));
  int dup = socket(family, SOCK_STREAM, 0);
  SHOW("bind the same port", bind(dup, a, al));
  close(dup);
  close(srv);
  int u1 = socket(family, SOCK_DGRAM, 0), u2 = socket(family, SOCK_DGRAM, 0);
  if (family == AF_INET) a4.sin_port = 0; else a6.sin6_port = 0;
  al = family == AF_INET ? sizeof a4 : sizeof a6;
  SHOW("udp bind", bind(u1, a, al));
  SHOW("udp getsockname", getsockname(u1, a, &al));
  SHOW("udp sendto", sendto(u2, "udp!", 4, 0, a, al));
  char b[8];
  SHOW("udp recv", recv(u1, b, sizeof b, 0));
  close(u1); close(u2);
  OK(family == AF_INET ? "tcp4" : "tcp6");
}

int main(void) {
  abi_init();
  pairs();
  checks();
  unix_sockets();
  inet(AF_INET);
  inet(AF_INET6);
  DONE();
}
