/*
 * The pod sandbox's process for the containerd tests: it holds the sandbox's namespaces
 * open and does nothing else. It runs as PID 1 of the pod, where the kernel drops signals
 * that have no handler, so SIGTERM and SIGINT get handlers that end it (StopPodSandbox
 * sends SIGTERM), and SIGCHLD reaps any orphan that the namespace hands to it.
 * Built with `gcc -static` by test/helpers/containerd.ts; the image has nothing else.
 */
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_stop(int sig) {
  (void)sig;
  _exit(0);
}

static void on_child(int sig) {
  (void)sig;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
}

int main(void) {
  struct sigaction stop;
  memset(&stop, 0, sizeof stop);
  stop.sa_handler = on_stop;
  if (sigaction(SIGTERM, &stop, NULL) != 0 || sigaction(SIGINT, &stop, NULL) != 0) return 1;
  struct sigaction child;
  memset(&child, 0, sizeof child);
  child.sa_handler = on_child;
  child.sa_flags = SA_NOCLDSTOP | SA_RESTART;
  if (sigaction(SIGCHLD, &child, NULL) != 0) return 1;
  for (;;) pause();
}
