/* SPDX-License-Identifier: MIT */
/* Guest tasks that wait on the host while others run (issue 11, item 3):
 *   ticks      a reader thread blocks on stdin while the main thread ticks;
 *   fifo PATH  reads a FIFO that a host process writes into;
 *   cat        copies stdin to stdout (a host pipe that fills slowly). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
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

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc > 2 && !strcmp(argv[1], "fifo")) return fifo(argv[2]);
  if (argc > 1 && !strcmp(argv[1], "cat")) return cat();
  return ticks();
}
