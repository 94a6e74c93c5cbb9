/* SPDX-License-Identifier: MIT */
/* Runs the path operations listed in /ops (one per line, fields separated by
 * tabs: op, arg, arg) and prints each result; root-fuzz runs it under chroot(2)
 * and under `lwp run --root` on the same generated tree and compares. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void fail(int n, const char *op) { printf("%d %s: %s\n", n, op, strerrorname_np(errno)); }

static int flags_of(const char *s) {
  int f = strchr(s, 'w') ? O_WRONLY : strchr(s, 'b') ? O_RDWR : O_RDONLY;
  if (strchr(s, 'c')) f |= O_CREAT;
  if (strchr(s, 'x')) f |= O_EXCL;
  if (strchr(s, 't')) f |= O_TRUNC;
  if (strchr(s, 'n')) f |= O_NOFOLLOW;
  if (strchr(s, 'd')) f |= O_DIRECTORY;
  if (strchr(s, 'a')) f |= O_APPEND;
  return f;
}

/* The first bytes of an open file, printable. */
static void show(int n, const char *op, int fd) {
  char buf[65];
  ssize_t k = read(fd, buf, 64);
  if (k < 0) { fail(n, op); return; }
  for (ssize_t i = 0; i < k; i++) if (buf[i] < 32 || buf[i] > 126) buf[i] = '.';
  buf[k] = 0;
  printf("%d %s: \"%s\"\n", n, op, buf);
}

static void kind(int n, const char *op, const char *p, int follow) {
  struct stat st;
  if ((follow ? stat(p, &st) : lstat(p, &st)) < 0) { fail(n, op); return; }
  const char *t = S_ISDIR(st.st_mode) ? "dir" : S_ISLNK(st.st_mode) ? "link" : S_ISREG(st.st_mode) ? "file" : "other";
  printf("%d %s: %s %o %lld\n", n, op, t, st.st_mode & 07777, S_ISDIR(st.st_mode) ? 0LL : (long long)st.st_size);
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void list(int n, const char *op, const char *p) {
  DIR *d = opendir(p);
  if (d == NULL) { fail(n, op); return; }
  char *names[256];
  int k = 0;
  for (struct dirent *e; (e = readdir(d)) != NULL && k < 256;) names[k++] = strdup(e->d_name);
  closedir(d);
  qsort(names, k, sizeof names[0], by_name);
  printf("%d %s:", n, op);
  for (int i = 0; i < k; i++) { printf(" %s", names[i]); free(names[i]); }
  printf("\n");
}

static void one(int n, char *op, char *a, char *b) {
  int r = 0;
  if (!strcmp(op, "open")) {
    int fd = open(a, flags_of(b), 0644);
    if (fd < 0) fail(n, op); else { printf("%d open: ok\n", n); close(fd); }
    return;
  }
  if (!strcmp(op, "cat") || !strcmp(op, "at")) {
    int d = AT_FDCWD;
    if (!strcmp(op, "at") && (d = open(a, O_RDONLY | O_DIRECTORY)) < 0) { fail(n, op); return; }
    int fd = openat(d, !strcmp(op, "at") ? b : a, O_RDONLY);
    if (d != AT_FDCWD) close(d);
    if (fd < 0) fail(n, op); else { show(n, op, fd); close(fd); }
    return;
  }
  if (!strcmp(op, "put")) {
    int fd = open(a, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, b, strlen(b)) < 0) fail(n, op); else printf("%d put: ok\n", n);
    if (fd >= 0) close(fd);
    return;
  }
  if (!strcmp(op, "stat") || !strcmp(op, "lstat")) { kind(n, op, a, op[0] == 's'); return; }
  if (!strcmp(op, "ls")) { list(n, op, a); return; }
  if (!strcmp(op, "readlink")) {
    char buf[512];
    ssize_t k = readlink(a, buf, sizeof buf - 1);
    if (k < 0) fail(n, op); else { buf[k] = 0; printf("%d readlink: %s\n", n, buf); }
    return;
  }
  if (!strcmp(op, "getcwd")) {
    char buf[512];
    if (getcwd(buf, sizeof buf) == NULL) fail(n, op); else printf("%d getcwd: %s\n", n, buf);
    return;
  }
  if (!strcmp(op, "mkdir")) r = mkdir(a, 0755);
  else if (!strcmp(op, "rmdir")) r = rmdir(a);
  else if (!strcmp(op, "unlink")) r = unlink(a);
  else if (!strcmp(op, "rename")) r = rename(a, b);
  else if (!strcmp(op, "link")) r = link(a, b);
  else if (!strcmp(op, "linkf")) r = linkat(AT_FDCWD, a, AT_FDCWD, b, AT_SYMLINK_FOLLOW);
  else if (!strcmp(op, "symlink")) r = symlink(a, b);
  else if (!strcmp(op, "chdir")) r = chdir(a);
  else if (!strcmp(op, "access")) r = access(a, R_OK);
  else if (!strcmp(op, "chmod")) r = chmod(a, 0700);
  else { printf("%d %s: unknown op\n", n, op); return; }
  if (r < 0) fail(n, op); else printf("%d %s: ok\n", n, op);
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  static char text[1 << 20];
  int fd = open("/ops", O_RDONLY);
  if (fd < 0) { perror("/ops"); return 2; }
  ssize_t len = read(fd, text, sizeof text - 1);
  close(fd);
  if (len < 0) return 2;
  text[len] = 0;
  int n = 0;
  for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
    char *op = line, *a = strchr(op, '\t'), *b = NULL;
    if (a != NULL) { *a++ = 0; b = strchr(a, '\t'); if (b != NULL) *b++ = 0; }
    char *sa = strdup(a ? a : ""), *sb = strdup(b ? b : "");
    one(++n, op, sa, sb);
    free(sa);
    free(sb);
  }
  return 0;
}
