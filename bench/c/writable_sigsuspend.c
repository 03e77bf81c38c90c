/*
 * Preloaded only under valgrind. libdispatch parks the main thread of an async Swift program in
 * sigsuspend() with a mask that lives in read-only memory; valgrind 3.19 edits that mask in place and dies
 * (SIGSEGV inside valgrind). This sigsuspend passes a writable copy; the program's behaviour is unchanged.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

int sigsuspend(const sigset_t *mask) {
    sigset_t copy = *mask;
    return (int)syscall(SYS_rt_sigsuspend, &copy, (size_t)(_NSIG / 8));
}
