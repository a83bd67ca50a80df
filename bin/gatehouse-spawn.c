/* SPDX-License-Identifier: ISC */
/*
 * gatehouse-spawn: keeps N copies of a FastCGI program running on the
 * listening socket it was given as descriptor 0.
 *
 *   gatehouse-spawn N PROGRAM [ARG…]
 *
 * lighttpd starts it as a bin-path backend with max-procs 1.  lighttpd
 * makes the listening socket, hands it over as descriptor 0 and closes its
 * own copy; a program that owned it alone took it along when it died, and
 * until lighttpd's once-a-second check started a new one, every request
 * got lighttpd's own 503 ("all children are dead").  Here the socket
 * stays open for this process's whole life, so that a connection made
 * while no copy runs waits in the socket's backlog instead: when every
 * copy is killed, only the requests they were serving fail.
 *
 * It starts N copies of PROGRAM with that socket as their descriptor 0
 * (libfcgi accepts on it) and starts a new one the moment one exits.  A
 * copy that exits within QUICK_MS of its start is started again after a
 * delay that doubles up to BACKOFF_MAX_MS, so that a program that cannot
 * start (a bad configuration) does not spin; that is logged once, and
 * again once it runs.  SIGTERM, SIGINT and SIGHUP are passed on to the
 * copies; it exits after them (by the same signal), killing any left after
 * STOP_GRACE_MS.  It also stops when its parent (the web server) dies, and
 * should it die itself, the copies are killed with it.
 *
 * It handles no request itself and uses nothing but libc: a fixed array of
 * slots, one sigtimedwait() loop, every system call checked.  Messages go
 * to stderr (the web server's error log) as "gatehouse-spawn: …" lines.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SPAWN_MAX	64	/* copies at most */
#define QUICK_MS	1000	/* a copy that dies sooner is crash-looping */
#define BACKOFF_MIN_MS	100	/* first delay before a quick death's restart */
#define BACKOFF_MAX_MS	10000	/* longest delay between restarts */
#define STOP_GRACE_MS	10000	/* SIGKILL for copies still there after a stop */

struct slot {
	pid_t		pid;		/* 0: not running */
	long long	started_ms;	/* when pid was started */
	long long	due_ms;		/* pid == 0: when to start it */
	unsigned	quick;		/* quick deaths in a row */
};

static struct slot	slots[SPAWN_MAX];
static unsigned		nslots;
static char *const	*prog_argv;
static sigset_t		old_mask;	/* the mask the copies start with */
static int		looping;	/* the crash loop has been logged */

/* "gatehouse-spawn: message\n" on stderr, with one write(2). */
static void __attribute__((format(printf, 1, 2)))
say(const char *fmt, ...)
{
	char	 line[512];
	va_list	 ap;
	int	 n, m;
	ssize_t	 w;

	n = snprintf(line, sizeof(line), "gatehouse-spawn: ");
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	n += m;
	if ((size_t)n > sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	do {
		w = write(STDERR_FILENO, line, (size_t)n);
	} while (w == -1 && errno == EINTR);
}

static long long
now_ms(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1) {
		say("clock_gettime: %s", strerror(errno));
		exit(1);
	}
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* N: a whole number from 1 to SPAWN_MAX, or 0. */
static unsigned
parse_count(const char *s)
{
	char	*end;
	long	 n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || n < 1 || n > SPAWN_MAX)
		return 0;
	return (unsigned)n;
}

/*
 * Start slot s's copy: descriptor 0 and every other open descriptor as
 * ours (we hold only 0, 1 and 2), the signal mask we were started with,
 * default signal dispositions (we change none), and SIGKILL should we die.
 * lighttpd 1.4.69, when it reaps us, first connects to the socket: if
 * that still works (copies that outlived us hold it) it takes the socket
 * for an external backend and never starts us again.  So copies must go
 * with us, at once (this is a race only when we die by SIGKILL or a
 * crash: a SIGTERM waits for the copies before we leave).  A copy that
 * cannot be started (fork fails) is tried again after the longest delay;
 * one whose exec fails exits 127 and counts as a quick death.
 */
static void
slot_start(struct slot *s, long long now)
{
	pid_t	pid, self = getpid();

	pid = fork();
	if (pid == 0) {
		if (sigprocmask(SIG_SETMASK, &old_mask, NULL) == -1 ||
		    prctl(PR_SET_PDEATHSIG, SIGKILL) == -1)
			_exit(127);
		if (getppid() != self)
			_exit(0);	/* we died before prctl() */
		execv(prog_argv[0], prog_argv);
		_exit(127);	/* reported once, by reap() */
	}
	if (pid == -1) {
		say("fork: %s; trying again in %d s", strerror(errno),
		    BACKOFF_MAX_MS / 1000);
		s->due_ms = now + BACKOFF_MAX_MS;
		return;
	}
	s->pid = pid;
	s->started_ms = now;
}

/* How a copy ended, for a log line: "exit 1", "signal 9". */
static void
describe(int status, char *buf, size_t bufsz)
{
	if (WIFEXITED(status))
		snprintf(buf, bufsz, "exit %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, bufsz, "signal %d", WTERMSIG(status));
	else
		snprintf(buf, bufsz, "status %d", status);
}

/*
 * Collect every copy that has ended and schedule its restart: at once
 * after a copy that ran for QUICK_MS or more, else after a delay that
 * doubles with each quick death in a row.  Returns how many still run.
 */
static unsigned
reap(int stopping, long long now)
{
	struct slot	*s;
	char		 how[32];
	pid_t		 pid;
	unsigned	 i, k, running = 0;
	long long	 delay;
	int		 status, why;

	for (;;) {
		pid = waitpid(-1, &status, WNOHANG);
		if (pid == 0 || (pid == -1 && errno == ECHILD))
			break;
		if (pid == -1) {
			if (errno == EINTR)
				continue;
			say("waitpid: %s", strerror(errno));
			exit(1);
		}
		for (i = 0; i < nslots && slots[i].pid != pid; i++)
			;
		if (i == nslots)
			continue;	/* not one of ours (cannot happen) */
		s = &slots[i];
		s->pid = 0;
		if (stopping)
			continue;
		describe(status, how, sizeof(how));
		if (now - s->started_ms >= QUICK_MS) {
			s->quick = 0;
			s->due_ms = now;
			say("%s (pid %ld) ended (%s): starting another",
			    prog_argv[0], (long)pid, how);
			continue;
		}
		delay = BACKOFF_MIN_MS;
		for (k = 0; k < s->quick && delay < BACKOFF_MAX_MS; k++)
			delay *= 2;
		if (delay > BACKOFF_MAX_MS)
			delay = BACKOFF_MAX_MS;
		s->quick++;
		s->due_ms = now + delay;
		if (!looping) {
			/* exit 127: the exec failed; say why. */
			why = access(prog_argv[0], X_OK) == -1 ? errno : 0;
			say("%s ends within %d ms of its start (%s%s%s): "
			    "starting it again at most every %d s until it "
			    "runs", prog_argv[0], QUICK_MS, how,
			    why ? ": " : "", why ? strerror(why) : "",
			    BACKOFF_MAX_MS / 1000);
		}
		looping = 1;
	}
	for (i = 0; i < nslots; i++)
		if (slots[i].pid != 0)
			running++;
	return running;
}

/*
 * Start the copies that are due, clear the crash count of those that have
 * run for QUICK_MS, and return the milliseconds until the next of either
 * (-1: nothing to wait for).
 */
static long long
tend(long long now)
{
	struct slot	*s;
	long long	 next = -1, at;
	unsigned	 i;
	int		 still = 0;

	for (i = 0; i < nslots; i++) {
		s = &slots[i];
		if (s->pid == 0 && s->due_ms <= now)
			slot_start(s, now);
		if (s->pid != 0 && s->quick > 0 &&
		    now - s->started_ms >= QUICK_MS)
			s->quick = 0;
		if (s->pid == 0)
			at = s->due_ms;
		else if (s->quick > 0)
			at = s->started_ms + QUICK_MS;
		else
			continue;
		if (s->quick > 0)
			still = 1;
		if (next == -1 || at - now < next)
			next = at - now;
	}
	if (looping && !still) {
		say("%s runs again (%u copies)", prog_argv[0], nslots);
		looping = 0;
	}
	return next < 0 ? -1 : next;
}

/* Send sig to every copy that runs. */
static void
signal_all(int sig)
{
	unsigned	i;

	for (i = 0; i < nslots; i++)
		if (slots[i].pid != 0 && kill(slots[i].pid, sig) == -1 &&
		    errno != ESRCH)
			say("kill %ld: %s", (long)slots[i].pid, strerror(errno));
}

/* Leave as sig would have ended us, so that our parent sees the cause. */
static void __attribute__((noreturn))
die_by(int sig)
{
	struct sigaction	sa;
	sigset_t		one;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&one);
	sigaddset(&one, sig);
	if (sigaction(sig, &sa, NULL) == 0 &&
	    sigprocmask(SIG_UNBLOCK, &one, NULL) == 0)
		raise(sig);
	_exit(128 + sig);
}

/*
 * Refuse to run where descriptor 0 is not a listening socket: the copies
 * would take it for CGI (libfcgi's FCGX_IsCGI) or fail to accept.
 */
static void
check_socket(void)
{
	int		on = 0;
	socklen_t	len = sizeof(on);

	if (getsockopt(STDIN_FILENO, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) ==
	    -1) {
		say("descriptor 0: %s: run me as a FastCGI bin-path",
		    strerror(errno));
		exit(2);
	}
	if (!on) {
		say("descriptor 0 is a socket that does not listen: run me "
		    "as a FastCGI bin-path");
		exit(2);
	}
}

int
main(int argc, char *argv[])
{
	struct sigaction	 sa;
	struct timespec		 ts;
	siginfo_t		 info;
	sigset_t		 set;
	long long		 now, wait_ms, stop_at = 0;
	pid_t			 parent;
	unsigned		 i, running;
	int			 sig, stop_sig = 0;

	if (argc < 3 || (nslots = parse_count(argv[1])) == 0) {
		fprintf(stderr, "usage: gatehouse-spawn N PROGRAM [ARG...]\n"
		    "  N copies of PROGRAM (1 to %d) on the listening socket "
		    "given as descriptor 0\n", SPAWN_MAX);
		return 2;
	}
	prog_argv = argv + 2;
	check_socket();

	/*
	 * Signals are taken synchronously by sigtimedwait(): blocked from
	 * here on, so none can arrive between two looks.  SIGCHLD must not
	 * be ignored (the copies would be reaped for us).
	 */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigaction(SIGCHLD, &sa, NULL) == -1 ||
	    sigprocmask(SIG_BLOCK, &set, &old_mask) == -1) {
		say("signals: %s", strerror(errno));
		return 1;
	}
	/* Our parent's death (lighttpd killed) stops us: SIGTERM. */
	parent = getppid();
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1) {
		say("prctl: %s", strerror(errno));
		return 1;
	}
	if (getppid() != parent)
		return 0;	/* it died before prctl() */

	now = now_ms();
	for (i = 0; i < nslots; i++)
		slots[i].due_ms = now;
	for (;;) {
		now = now_ms();
		running = reap(stop_sig != 0, now);
		if (stop_sig != 0) {
			if (running == 0)
				break;
			if (now >= stop_at) {
				say("%u cop%s of %s still there after %d s: "
				    "SIGKILL", running, running == 1 ? "y" :
				    "ies", prog_argv[0], STOP_GRACE_MS / 1000);
				signal_all(SIGKILL);
				stop_at = now + STOP_GRACE_MS;
			}
			wait_ms = stop_at - now;
		} else
			wait_ms = tend(now);

		if (wait_ms >= 0) {
			ts.tv_sec = wait_ms / 1000;
			ts.tv_nsec = wait_ms % 1000 * 1000000;
			sig = sigtimedwait(&set, &info, &ts);
		} else
			sig = sigwaitinfo(&set, &info);
		if (sig == -1) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			say("sigtimedwait: %s", strerror(errno));
			return 1;
		}
		if (sig == SIGCHLD)
			continue;
		/* SIGTERM, SIGINT, SIGHUP: pass it on, then wait for them. */
		if (stop_sig == 0) {
			stop_sig = sig;
			stop_at = now_ms() + STOP_GRACE_MS;
		}
		signal_all(sig);
	}
	if (close(STDIN_FILENO) == -1)
		say("close: %s", strerror(errno));
	die_by(stop_sig);
}
