/* SPDX-License-Identifier: MIT */
/* Process creation: argv[1] (default 200) times fork(), the child exits at once with
 * its index modulo 256 and the parent waits for it; prints the sum of the statuses. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 200;
  long sum = 0;
  for (int i = 0; i < n; i++) {
    pid_t pid = fork();
    if (pid < 0) { perror("fork"); return 1; }
    if (pid == 0) _exit(i & 0xff);
    int status;
    if (waitpid(pid, &status, 0) != pid) { perror("waitpid"); return 1; }
    sum += WEXITSTATUS(status);
  }
  printf("%d forks, status sum %ld\n", n, sum);
  return 0;
}
