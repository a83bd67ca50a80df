/* SPDX-License-Identifier: ISC */
/*
 * proc: run an operator's program with a deadline.
 *
 * The child is started with posix_spawnp() in a process group of its own,
 * with default signal dispositions and an empty signal mask whatever ours
 * are.  Our ends of its stdin and stdout pipes are close-on-exec and
 * non-blocking; one poll() loop feeds stdin and drains stdout against a
 * deadline on the monotonic clock.  On timeout the whole group gets
 * SIGKILL, so a shell script's own children die with it, and the child is
 * always reaped before we return: no zombies, no leaked descriptors.
 *
 * Writing to a pipe whose reader has gone raises SIGPIPE.  The FastCGI
 * programs ignore it, but proc must not depend on that: SIGPIPE is blocked
 * in this thread while we write, an EPIPE means "the child closed its
 * stdin" (not an error: many programs exit without reading everything), and
 * a SIGPIPE left pending by us is consumed before the mask is restored.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "proc.h"
#include "util.h"

extern char	**environ;

#define PROC_CHUNK	16384	/* bytes moved per read(2) or write(2) */
#define PROC_WAIT_MAX	32	/* ms between checks for an exited child */

/*
 * Make a close-on-exec pipe whose ends are both above stderr: if our stdin
 * or stdout happen to be closed, a pipe end numbered 0 or 1 would be
 * clobbered by the child's dup2() of the other pipe.
 */
static int
proc_pipe(int p[2])
{
	int	i, fd;

	if (pipe2(p, O_CLOEXEC) == -1)
		return -1;
	for (i = 0; i < 2; i++) {
		if (p[i] > STDERR_FILENO)
			continue;
		fd = fcntl(p[i], F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
		close(p[i]);
		p[i] = fd;
	}
	if (p[0] == -1 || p[1] == -1) {
		if (p[0] != -1)
			close(p[0]);
		if (p[1] != -1)
			close(p[1]);
		p[0] = p[1] = -1;
		return -1;
	}
	return 0;
}

/* Close *fd if it is open and mark it closed. */
static void
proc_close(int *fd)
{
	if (*fd != -1) {
		close(*fd);
		*fd = -1;
	}
}

/*
 * The child's environment: ours, minus any variable extra sets, plus
 * extra.  Only the pointer array is allocated (free it with free()); the
 * strings are borrowed.  NULL on ENOMEM.
 */
static char **
proc_env(const char *const extra[])
{
	char	**env;
	size_t	  n = 0, m = 0, i, j, k, len;

	while (environ != NULL && environ[n] != NULL)
		n++;
	while (extra != NULL && extra[m] != NULL)
		m++;
	if ((env = calloc(n + m + 1, sizeof(*env))) == NULL)
		return NULL;
	k = 0;
	for (i = 0; i < n; i++) {
		for (j = 0; j < m; j++) {
			len = strcspn(extra[j], "=");
			if (strncmp(environ[i], extra[j], len) == 0 &&
			    environ[i][len] == '=')
				break;
		}
		if (j == m)
			env[k++] = environ[i];
	}
	/* posix_spawn() takes char *const[]; it never writes through them. */
	for (j = 0; j < m; j++)
		env[k++] = (char *)(uintptr_t)extra[j];
	env[k] = NULL;
	return env;
}

/*
 * Append what fits of p[0..n) to out under its cap; the rest of the
 * child's output is dropped (a chatty program is not an error).
 */
static enum gh_err
proc_keep(struct gh_buf *out, const char *p, size_t n)
{
	size_t	max, room;

	if (out == NULL)
		return GH_OK;
	max = out->max != 0 ? out->max : GH_BUF_DEFAULT_MAX;
	room = max > out->len ? max - out->len : 0;
	if (n > room)
		n = room;
	if (n == 0)
		return GH_OK;
	return gh_buf_add(out, p, n);
}

/*
 * Start argv with envp, stdin from infd and stdout to outfd, in a new
 * process group with default signals and an empty mask.  Returns 0 and sets
 * *pid, or an errno value.
 */
static int
proc_spawn(const char *const argv[], char **envp, int infd, int outfd,
    pid_t *pid)
{
	posix_spawn_file_actions_t	 fa;
	posix_spawnattr_t		 attr;
	sigset_t			 none, dfl;
	int				 rc, fa_init = 0, attr_init = 0;

	if ((rc = posix_spawn_file_actions_init(&fa)) != 0)
		goto out;
	fa_init = 1;
	if ((rc = posix_spawn_file_actions_adddup2(&fa, infd,
	    STDIN_FILENO)) != 0 ||
	    (rc = posix_spawn_file_actions_adddup2(&fa, outfd,
	    STDOUT_FILENO)) != 0)
		goto out;
	if ((rc = posix_spawnattr_init(&attr)) != 0)
		goto out;
	attr_init = 1;
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	sigaddset(&dfl, SIGCHLD);
	sigaddset(&dfl, SIGHUP);
	sigaddset(&dfl, SIGINT);
	sigaddset(&dfl, SIGQUIT);
	sigaddset(&dfl, SIGTERM);
	sigaddset(&dfl, SIGALRM);
	sigaddset(&dfl, SIGUSR1);
	sigaddset(&dfl, SIGUSR2);
	if ((rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
	    POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)) != 0 ||
	    (rc = posix_spawnattr_setpgroup(&attr, 0)) != 0 ||
	    (rc = posix_spawnattr_setsigmask(&attr, &none)) != 0 ||
	    (rc = posix_spawnattr_setsigdefault(&attr, &dfl)) != 0)
		goto out;
	/* posix_spawnp() takes char *const[]; it never writes through them. */
	rc = posix_spawnp(pid, argv[0], &fa, &attr,
	    (char *const *)(uintptr_t)argv, envp);
out:
	if (attr_init)
		posix_spawnattr_destroy(&attr);
	if (fa_init)
		posix_spawn_file_actions_destroy(&fa);
	return rc;
}

/*
 * Run argv as proc.h describes.  A program that cannot be started at all
 * (not found in PATH, not executable) is GH_EIO with a log line: glibc's
 * posix_spawnp() reports exec failures to the parent, so there is no
 * "exit 127" to interpret.
 */
enum gh_err
gh_proc_run(const char *const argv[], const char *const extra_env[],
    const void *in, size_t inlen, int timeout_ms, struct gh_buf *out,
    int *status)
{
	struct pollfd	 pfd[2];
	struct timespec	 zero = { 0, 0 };
	sigset_t	 pipeset, pending, oldmask;
	const char	*inp = in;
	char		 chunk[PROC_CHUNK];
	char		**envp = NULL;
	enum gh_err	 err = GH_EIO;
	long long	 deadline, left;
	size_t		 off = 0, n;
	ssize_t		 r;
	pid_t		 pid = -1, w;
	int		 infd[2] = { -1, -1 }, outfd[2] = { -1, -1 };
	int		 masked = 0, had_pipe = 0, rc, wstatus, nfds, iw, ir;
	int		 delay;

	if (argv == NULL || argv[0] == NULL || timeout_ms <= 0 ||
	    status == NULL || (in == NULL && inlen > 0)) {
		gh_log("%s: bad arguments", __func__);
		return GH_EINTERNAL;
	}
	deadline = gh_mono_ms() + timeout_ms;

	if ((envp = proc_env(extra_env)) == NULL) {
		err = GH_ENOMEM;
		goto out;
	}
	if (proc_pipe(infd) == -1 || proc_pipe(outfd) == -1) {
		gh_log("%s: pipe: %s", __func__, strerror(errno));
		goto out;
	}
	if ((rc = proc_spawn(argv, envp, infd[0], outfd[1], &pid)) != 0) {
		pid = -1;
		gh_log("cannot run %s: %s", argv[0], strerror(rc));
		err = rc == ENOMEM ? GH_ENOMEM : GH_EIO;
		goto out;
	}
	proc_close(&infd[0]);
	proc_close(&outfd[1]);
	if (fcntl(infd[1], F_SETFL, O_NONBLOCK) == -1 ||
	    fcntl(outfd[0], F_SETFL, O_NONBLOCK) == -1) {
		gh_log("%s: fcntl: %s", __func__, strerror(errno));
		goto out;
	}
	if (inlen == 0)
		proc_close(&infd[1]);

	sigemptyset(&pipeset);
	sigaddset(&pipeset, SIGPIPE);
	if (sigpending(&pending) == 0)
		had_pipe = sigismember(&pending, SIGPIPE) == 1;
	if (pthread_sigmask(SIG_BLOCK, &pipeset, &oldmask) == 0)
		masked = 1;

	while (infd[1] != -1 || outfd[0] != -1) {
		if ((left = deadline - gh_mono_ms()) <= 0) {
			err = GH_ETIMEOUT;
			goto out;
		}
		nfds = 0;
		iw = ir = -1;
		if (infd[1] != -1) {
			pfd[nfds].fd = infd[1];
			pfd[nfds].events = POLLOUT;
			iw = nfds++;
		}
		if (outfd[0] != -1) {
			pfd[nfds].fd = outfd[0];
			pfd[nfds].events = POLLIN;
			ir = nfds++;
		}
		if (poll(pfd, (nfds_t)nfds, left > INT_MAX ? INT_MAX :
		    (int)left) == -1) {
			if (errno == EINTR)
				continue;
			gh_log("%s: poll: %s", __func__, strerror(errno));
			goto out;
		}
		if (iw != -1 && pfd[iw].revents != 0) {
			n = inlen - off < PROC_CHUNK ? inlen - off : PROC_CHUNK;
			r = write(infd[1], inp + off, n);
			if (r > 0)
				off += (size_t)r;
			else if (r == -1 && errno == EPIPE)
				off = inlen;	/* it stopped reading */
			else if (r == -1 && errno != EAGAIN &&
			    errno != EINTR) {
				gh_log("%s: write: %s", __func__,
				    strerror(errno));
				goto out;
			}
			if (off == inlen)
				proc_close(&infd[1]);
		}
		if (ir != -1 && pfd[ir].revents != 0) {
			r = read(outfd[0], chunk, sizeof(chunk));
			if (r > 0) {
				if ((err = proc_keep(out, chunk, (size_t)r)) !=
				    GH_OK)
					goto out;
				err = GH_EIO;
			} else if (r == 0)
				proc_close(&outfd[0]);
			else if (errno != EAGAIN && errno != EINTR) {
				gh_log("%s: read: %s", __func__,
				    strerror(errno));
				goto out;
			}
		}
	}

	/*
	 * Its stdout is closed, so it is exiting or about to.  Wait with a
	 * short, growing sleep; the deadline still holds for a child that
	 * closed stdout and carried on.
	 */
	for (delay = 1;;) {
		w = waitpid(pid, &wstatus, WNOHANG);
		if (w == pid)
			break;
		if (w == -1 && errno != EINTR) {
			gh_log("%s: waitpid: %s", __func__, strerror(errno));
			goto out;
		}
		if ((left = deadline - gh_mono_ms()) <= 0) {
			err = GH_ETIMEOUT;
			goto out;
		}
		poll(NULL, 0, left < delay ? (int)left : delay);
		if (delay < PROC_WAIT_MAX)
			delay *= 2;
	}
	pid = -1;
	if (WIFEXITED(wstatus))
		*status = WEXITSTATUS(wstatus);
	else if (WIFSIGNALED(wstatus))
		*status = 128 + WTERMSIG(wstatus);
	else
		*status = 255;
	err = GH_OK;
out:
	if (pid != -1) {
		/* Timed out or failed: the whole group goes. */
		if (err == GH_ETIMEOUT)
			gh_log("%s: killed after %d ms", argv[0], timeout_ms);
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
			;
	}
	proc_close(&infd[0]);
	proc_close(&infd[1]);
	proc_close(&outfd[0]);
	proc_close(&outfd[1]);
	if (masked) {
		if (!had_pipe)
			while (sigtimedwait(&pipeset, NULL, &zero) == SIGPIPE)
				;
		pthread_sigmask(SIG_SETMASK, &oldmask, NULL);
	}
	free(envp);
	return err;
}
