/* SPDX-License-Identifier: MIT */
/* Guest tasks that wait on the host while others run (issue 11, item 3):
 *   ticks      a reader thread blocks on stdin while the main thread ticks;
 *   fifo PATH  reads a FIFO that a host process writes into;
 *   cat        copies stdin to stdout (a host pipe that fills slowly);
 *   server     a TCP server on 127.0.0.1 (port printed) answering one host client;
 *   client P   a TCP client of a host server on 127.0.0.1:P. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void *reader(void *arg) {
  char b[64];
  ssize_t n = read(0, b, sizeof b);
  printf("reader got %zd\n", n);
  return arg;
}

static int ticks(void) {
  pthread_t th;
  pthread_create(&th, NULL, reader, NULL);
  for (int i = 0; i < 5; i++) {
    struct timespec d = { 0, 20 * 1000 * 1000 };
    nanosleep(&d, NULL);
    printf("tick %d\n", i);
  }
  printf("main done\n");
  return 0;
}

static int fifo(const char *path) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) { perror("open"); return 1; }
  char b[256];
  ssize_t n, total = 0;
  while ((n = read(fd, b, sizeof b)) > 0) { fwrite(b, 1, (size_t)n, stdout); total += n; }
  printf("fifo: %zd bytes, last read %zd\n", total, n);
  return 0;
}

static int cat(void) {
  char b[4096];
  ssize_t n;
  long total = 0;
  while ((n = read(0, b, sizeof b)) > 0) total += n;
  printf("cat: %ld bytes, last read %zd\n", total, n);
  return 0;
}

/* Reads one line (up to \n) from a socket. */
static ssize_t line(int s, char *b, size_t cap) {
  size_t n = 0;
  while (n + 1 < cap) {
    ssize_t r = read(s, b + n, 1);
    if (r <= 0) break;
    if (b[n++] == '\n') break;
  }
  b[n] = 0;
  return (ssize_t)n;
}

static int server(void) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  socklen_t al = sizeof a;
  if (bind(s, (struct sockaddr *)&a, al) != 0 || listen(s, 4) != 0 || getsockname(s, (struct sockaddr *)&a, &al) != 0) { perror("server"); return 1; }
  printf("port %d\n", ntohs(a.sin_port));
  int c = accept(s, NULL, NULL);
  char b[128], out[160];
  line(c, b, sizeof b);
  int n = snprintf(out, sizeof out, "echo: %s", b);
  if (write(c, out, (size_t)n) != n) return 2;
  close(c);
  printf("served\n");
  return 0;
}

static int client(int port) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  if (connect(s, (struct sockaddr *)&a, sizeof a) != 0) { perror("connect"); return 1; }
  if (write(s, "hi there\n", 9) != 9) return 2;
  char b[128];
  line(s, b, sizeof b);
  printf("client got: %s", b);
  return 0;
}

/* Q-FLOCK: whether a write lock on PATH can be taken (a host process may hold one). */
static int lock(const char *path) {
  int fd = open(path, O_RDWR);
  struct flock l = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
  printf(fcntl(fd, F_SETLK, &l) == 0 ? "got the lock\n" : "locked by another process\n");
  printf(flock(fd, LOCK_EX | LOCK_NB) == 0 ? "got the flock\n" : "flock held by another process\n");
  return 0;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc > 2 && !strcmp(argv[1], "fifo")) return fifo(argv[2]);
  if (argc > 1 && !strcmp(argv[1], "cat")) return cat();
  if (argc > 1 && !strcmp(argv[1], "server")) return server();
  if (argc > 2 && !strcmp(argv[1], "client")) return client(atoi(argv[2]));
  if (argc > 2 && !strcmp(argv[1], "lock")) return lock(argv[2]);
  return ticks();
}
