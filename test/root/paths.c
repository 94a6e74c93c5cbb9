/* SPDX-License-Identifier: MIT */
/* Path resolution inside a confined root (root.test.ts builds the tree): every
 * line is compared with the same program run under chroot(2). The tree holds
 * symbolic-link loops and chains, absolute and relative links aimed outside the
 * root, and the program creates more at run time. "proc" mode checks the
 * /proc/self magic links, which only lwp provides (no /proc in the tree). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void result(const char *what, long r) {
  if (r < 0) printf("%s: %s\n", what, strerrorname_np(errno));
  else printf("%s: ok\n", what);
}

/* Prints the first line of a file (or the errno of opening it). */
static void cat(const char *what, int dirfd, const char *path, int flags) {
  int fd = openat(dirfd, path, O_RDONLY | flags);
  if (fd < 0) { printf("%s: %s\n", what, strerrorname_np(errno)); return; }
  char buf[128] = { 0 };
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n < 0) { printf("%s: read %s\n", what, strerrorname_np(errno)); return; }
  buf[strcspn(buf, "\n")] = 0;
  printf("%s: \"%s\"\n", what, buf);
}

static void link_text(const char *what, const char *path) {
  char buf[256];
  ssize_t n = readlink(path, buf, sizeof buf - 1);
  if (n < 0) { printf("%s: %s\n", what, strerrorname_np(errno)); return; }
  buf[n] = 0;
  printf("%s: -> %s\n", what, buf);
}

static void kind(const char *what, const char *path, int follow) {
  struct stat st;
  int r = follow ? stat(path, &st) : lstat(path, &st);
  if (r < 0) { printf("%s: %s\n", what, strerrorname_np(errno)); return; }
  printf("%s: %s size %lld\n", what, S_ISDIR(st.st_mode) ? "dir" : S_ISLNK(st.st_mode) ? "link" : S_ISREG(st.st_mode) ? "file" : "other",
         S_ISREG(st.st_mode) ? (long long)st.st_size : 0LL);
}

static void loops(void) {
  cat("loop", AT_FDCWD, "/loop1", 0);
  cat("chain of 40", AT_FDCWD, "/c40/l0", 0);
  cat("chain of 41", AT_FDCWD, "/c41/l0", 0);
  cat("40 links then an absolute one out", AT_FDCWD, "/c40out/l0", 0);
  cat("self loop", AT_FDCWD, "/self", 0);
  cat("loop in the middle", AT_FDCWD, "/loop1/x", 0);
  kind("lstat of a loop", "/loop1", 0);
  kind("stat of a loop", "/loop1", 1);
}

static void escapes(void) {
  cat("absolute link", AT_FDCWD, "/abs", 0);
  cat("absolute link to the host path", AT_FDCWD, "/hostabs", 0);
  cat("relative link up", AT_FDCWD, "/sub/up", 0);
  cat("dotdot at the root", AT_FDCWD, "/../../../../etc/secret", 0);
  cat("dotdot through a link", AT_FDCWD, "/dirlink/../etc/secret", 0);
  cat("dotdot after a deep link", AT_FDCWD, "/sub/deep/../../../../../etc/secret", 0);
  cat("link to the root", AT_FDCWD, "/rootlink/etc/secret", 0);
  cat("link to the root's parent", AT_FDCWD, "/uplink/etc/secret", 0);
  cat("link with a trailing slash", AT_FDCWD, "/slashlink", 0);
  kind("stat of the root's parent", "/..", 1);
  char cwd[256];
  result("chdir /../..", chdir("/../.."));
  printf("getcwd: %s\n", getcwd(cwd, sizeof cwd));
}

static void created(void) {
  int fd = open("/dangling", O_WRONLY | O_CREAT, 0644);
  result("create through a dangling absolute link", fd);
  if (fd >= 0) { (void)!write(fd, "made\n", 5); close(fd); }
  cat("it landed inside", AT_FDCWD, "/made-by-link", 0);
  result("create through a link to the host path", open("/hostdangling", O_WRONLY | O_CREAT, 0644));
  result("O_CREAT|O_EXCL on a dangling link", open("/dangling", O_WRONLY | O_CREAT | O_EXCL, 0644));
  result("O_NOFOLLOW on a link", open("/abs", O_RDONLY | O_NOFOLLOW));
  result("runtime symlink to /", symlink("/", "/sub/rt-root"));
  cat("through it", AT_FDCWD, "/sub/rt-root/etc/secret", 0);
  result("runtime symlink to the host path", symlink(getenv("HOSTSECRET"), "/sub/rt-host"));
  cat("through it", AT_FDCWD, "/sub/rt-host", 0);
  result("runtime relative escape", symlink("../../../../../../../../", "/sub/rt-up"));
  cat("through it", AT_FDCWD, "/sub/rt-up/etc/secret", 0);
  result("rename through a directory link", rename("/tomove", "/dirlink/moved"));
  kind("moved", "/sub/moved", 0);
  result("rename onto a link's target dir", rename("/sub/moved", "/rootlink/moved-back"));
  kind("moved back", "/moved-back", 0);
  result("hard link of a symlink", link("/abs", "/hard-of-link"));
  kind("it is a link", "/hard-of-link", 0);
  result("linkat following the link", linkat(AT_FDCWD, "/abs", AT_FDCWD, "/hard-of-target", AT_SYMLINK_FOLLOW));
  cat("it is the target", AT_FDCWD, "/hard-of-target", 0);
  result("mkdir through a dir link", mkdir("/dirlink/newdir", 0755));
  kind("made", "/sub/newdir", 1);
}

static void dirfds(void) {
  int d = open("/sub", O_RDONLY | O_DIRECTORY);
  result("open /sub", d);
  cat("openat up and out", d, "../../../../etc/secret", 0);
  cat("openat absolute", d, "/etc/secret", 0);
  cat("openat through a link", d, "up", 0);
  int l = open("/dirlink", O_RDONLY | O_DIRECTORY);
  result("open a directory link", l);
  cat("openat .. of a linked dir", l, "../etc/secret", 0);
  result("fchdir", fchdir(l));
  char cwd[256];
  printf("getcwd: %s\n", getcwd(cwd, sizeof cwd));
  cat("relative after fchdir", AT_FDCWD, "../../etc/secret", 0);
  result("chdir /", chdir("/"));
  close(d);
  close(l);
}

static void trailing(void) {
  kind("file/", "/etc/secret/", 1);
  kind("dirlink/", "/dirlink/", 0);
  kind("dirlink", "/dirlink", 0);
  result("unlink filelink/", unlink("/filelink/"));
  result("rmdir dirlink/", rmdir("/dirlink/"));
  result("rmdir dirlink", rmdir("/dirlink"));
  result("unlink dirlink", unlink("/dirlink"));
  result("mkdir newdir/", mkdir("/trail-dir/", 0755));
  result("O_CREAT on missing/", open("/trail-new/", O_WRONLY | O_CREAT, 0644));
  result("O_CREAT on file/", open("/etc/secret/", O_WRONLY | O_CREAT, 0644));
  result("O_CREAT|O_EXCL on dir/", open("/sub/", O_WRONLY | O_CREAT | O_EXCL, 0644));
  result("O_CREAT on a looping link/", open("/self/", O_WRONLY | O_CREAT, 0644));
  result("O_CREAT on dirlink/", open("/dirlink/", O_RDONLY | O_CREAT, 0644));
  result("O_CREAT on missing/x/", open("/nothere/x/", O_WRONLY | O_CREAT, 0644));
  result("O_CREAT on dir/.", open("/sub/.", O_RDONLY | O_CREAT, 0644));
  result("rename file to missing/", rename("/etc/secret2", "/nothere/"));
  result("rmdir .", rmdir("/sub/."));
  result("rmdir ..", rmdir("/sub/.."));
  result("unlink /", unlink("/"));
  result("mkdir existing link", mkdir("/abs", 0755));
  result("symlink over existing", symlink("x", "/abs"));
  link_text("readlink of a link", "/abs");
  link_text("readlink of a file", "/etc/secret");
  link_text("readlink through a dir link", "/dirlink/up");
}

static void proc_links(void) {
  link_text("/proc/self/root", "/proc/self/root");
  cat("/proc/self/root/etc/secret", AT_FDCWD, "/proc/self/root/etc/secret", 0);
  cat("/proc/self/root/../../etc/secret", AT_FDCWD, "/proc/self/root/../../etc/secret", 0);
  result("chdir /sub", chdir("/sub"));
  link_text("/proc/self/cwd", "/proc/self/cwd");
  cat("/proc/self/cwd/../etc/secret", AT_FDCWD, "/proc/self/cwd/../etc/secret", 0);
  int d = open("/sub", O_RDONLY | O_DIRECTORY);
  char p[64];
  snprintf(p, sizeof p, "/proc/self/fd/%d/up", d);
  cat("/proc/self/fd/N/up", AT_FDCWD, p, 0);
  snprintf(p, sizeof p, "/proc/self/fd/%d/../../../etc/secret", d);
  cat("/proc/self/fd/N/../../..", AT_FDCWD, p, 0);
  link_text("/proc/self/exe", "/proc/self/exe");
  result("symlink to /proc/self/root", symlink("/proc/self/root/../..", "/sub/rt-proc"));
  cat("through it", AT_FDCWD, "/sub/rt-proc/etc/secret", 0);
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc > 1 && strcmp(argv[1], "proc") == 0) proc_links();
  else {
    loops();
    escapes();
    created();
    dirfds();
    trailing();
  }
  return 0;
}
