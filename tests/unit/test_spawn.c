/* SPDX-License-Identifier: ISC */
/*
 * test_spawn: bin/gatehouse-spawn as built, on a listening socket of our
 * own (which we close once it runs, so that only it holds the socket):
 * it refuses a descriptor 0 that does not listen; it keeps N copies
 * running, starts new ones at once when all are killed, and the socket
 * takes connections meanwhile; SIGTERM reaches the copies and it leaves
 * by SIGTERM after them; a program that dies at start-up is started again
 * with growing delays, logged once, and "runs again" once it does; one
 * that cannot be run at all is logged once, with the reason; and killed
 * outright, it takes its copies along (they must not hold the socket).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tmain.h"
#include "tdir.h"

#define MAXKIDS	16

static void
nap_ms(long ms)
{
	struct timespec	ts = { ms / 1000, ms % 1000 * 1000000 };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* A listening Unix socket at tdir/name; its address into sun. */
static int
listener(const char *name, struct sockaddr_un *sun)
{
	int	fd;

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	tpath(name, sun->sun_path, sizeof(sun->sun_path));
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(bind(fd, (struct sockaddr *)sun, sizeof(*sun)) == 0);
	CU_ASSERT_FATAL(listen(fd, 16) == 0);
	return fd;
}

/*
 * gatehouse-spawn with argv (after its name), infd as descriptor 0 and
 * stderr appended to tdir/log (when log is not NULL).  Returns its PID.
 */
static pid_t
spawn(int infd, const char *log, const char *const argv[])
{
	const char	*args[16];
	char		 path[256];
	pid_t		 pid;
	int		 i, fd;

	args[0] = GH_SPAWN_PATH;
	for (i = 0; argv[i] != NULL && i < 14; i++)
		args[i + 1] = argv[i];
	args[i + 1] = NULL;
	if (log != NULL)
		tpath(log, path, sizeof(path));
	pid = fork();
	CU_ASSERT_FATAL(pid != -1);
	if (pid == 0) {
		if (dup2(infd, STDIN_FILENO) == -1)
			_exit(126);
		if (log != NULL) {
			fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
			if (fd == -1 || dup2(fd, STDERR_FILENO) == -1)
				_exit(126);
		}
		execv(args[0], (char *const *)(uintptr_t)args);
		_exit(127);
	}
	return pid;
}

/* The PIDs of ppid's children (at most max), sorted as /proc lists them. */
static int
children(pid_t ppid, pid_t *pids, int max)
{
	DIR		*d;
	struct dirent	*e;
	char		 path[300], buf[512], *p;
	FILE		*fp;
	long		 pp;
	int		 n = 0;

	CU_ASSERT_FATAL((d = opendir("/proc")) != NULL);
	while ((e = readdir(d)) != NULL && n < max) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		if ((fp = fopen(path, "r")) == NULL)
			continue;
		p = fgets(buf, sizeof(buf), fp);
		fclose(fp);
		/* "pid (comm) state ppid …": comm may hold spaces. */
		if (p == NULL || (p = strrchr(buf, ')')) == NULL)
			continue;
		if (sscanf(p + 1, " %*c %ld", &pp) == 1 && pp == (long)ppid &&
		    strstr(buf, "(gatehouse-spaw") == NULL)
			pids[n++] = (pid_t)strtol(e->d_name, NULL, 10);
	}
	closedir(d);
	return n;
}

/* Wait up to ms for ppid to have n children none of which is in old[0..nold). */
static int
wait_children(pid_t ppid, int n, const pid_t *old, int nold, long ms,
    pid_t *pids)
{
	long long	end = tnow_ms() + ms;
	int		got, i, j, fresh;

	do {
		got = children(ppid, pids, MAXKIDS);
		fresh = 0;
		for (i = 0; i < got; i++) {
			for (j = 0; j < nold && old[j] != pids[i]; j++)
				;
			if (j == nold)
				fresh++;
		}
		if (got == n && fresh == n)
			return 1;
		nap_ms(10);
	} while (tnow_ms() < end);
	return 0;
}

/* pid runs (a zombie whose new parent has not reaped it yet does not). */
static int
alive(pid_t pid)
{
	char	 path[64], buf[512], *p;
	FILE	*fp;
	char	 st = 'Z';

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return 0;
	p = fgets(buf, sizeof(buf), fp);
	fclose(fp);
	if (p != NULL && (p = strrchr(buf, ')')) != NULL)
		sscanf(p + 1, " %c", &st);
	return st != 'Z';
}

/* Lines in tdir/name holding needle. */
static int
count_lines(const char *name, const char *needle)
{
	char	 path[256], line[1024];
	FILE	*fp;
	int	 n = 0;

	tpath(name, path, sizeof(path));
	if ((fp = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strstr(line, needle) != NULL)
			n++;
	fclose(fp);
	return n;
}

/* Stop pid with sig and return its wait status (-1: still there after 3 s). */
static int
stop(pid_t pid, int sig)
{
	long long	end = tnow_ms() + 3000;
	int		status;
	pid_t		r;

	CU_ASSERT(kill(pid, sig) == 0);
	do {
		if ((r = waitpid(pid, &status, WNOHANG)) == pid)
			return status;
		nap_ms(10);
	} while (tnow_ms() < end);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

/*
 * gatehouse-spawn on a new listening socket tdir/NAME.sock (its address
 * into sun), stderr to tdir/NAME.log; our copy of the socket is closed, so
 * that from here on only the supervisor holds it.  Returns its PID.
 */
static pid_t
start_on(const char *name, const char *const argv[], struct sockaddr_un *sun)
{
	char	sock[64], log[64];
	pid_t	pid;
	int	lfd;

	snprintf(sock, sizeof(sock), "%s.sock", name);
	snprintf(log, sizeof(log), "%s.log", name);
	lfd = listener(sock, sun);
	pid = spawn(lfd, log, argv);
	close(lfd);
	return pid;
}

/* SIGTERM to pid: it must leave by SIGTERM (after its copies). */
static void
term_ok(pid_t pid)
{
	int	status;

	status = stop(pid, SIGTERM);
	CU_ASSERT(status != -1 && WIFSIGNALED(status) &&
	    WTERMSIG(status) == SIGTERM);
}

static void
test_not_a_socket(void)
{
	const char	*argv[] = { "2", "/bin/sleep", "600", NULL };
	const char	*bad[] = { "0", "/bin/sleep", "600", NULL };
	int	 fd, status;
	pid_t	 pid;

	CU_ASSERT_FATAL((fd = open("/dev/null", O_RDONLY)) >= 0);
	pid = spawn(fd, "notsock.log", argv);
	CU_ASSERT(waitpid(pid, &status, 0) == pid);
	CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 2);
	CU_ASSERT(count_lines("notsock.log", "descriptor 0") == 1);
	pid = spawn(fd, NULL, bad);
	CU_ASSERT(waitpid(pid, &status, 0) == pid);
	CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 2);
	close(fd);
}

static void
test_respawn_and_term(void)
{
	const char		*argv[] = { "3", "/bin/sleep", "600", NULL };
	struct sockaddr_un	 sun;
	pid_t			 pid, first[MAXKIDS], second[MAXKIDS];
	long long		 t0;
	int			 cfd, i;

	pid = start_on("respawn", argv, &sun);
	CU_ASSERT_FATAL(wait_children(pid, 3, NULL, 0, 3000, first));
	nap_ms(1100);	/* past the crash-loop window */

	/* Every copy killed: three new ones at once, the socket still open. */
	t0 = tnow_ms();
	for (i = 0; i < 3; i++)
		CU_ASSERT(kill(first[i], SIGKILL) == 0);
	CU_ASSERT(wait_children(pid, 3, first, 3, 1000, second));
	CU_ASSERT(tnow_ms() - t0 < 500);	/* no backoff: "at once" */
	CU_ASSERT(count_lines("respawn.log", "ends within") == 0);
	CU_ASSERT(count_lines("respawn.log", "starting another") == 3);
	CU_ASSERT_FATAL((cfd = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0);
	CU_ASSERT(connect(cfd, (struct sockaddr *)&sun, sizeof(sun)) == 0);
	close(cfd);

	/* SIGTERM: passed on; it leaves after them, by SIGTERM. */
	term_ok(pid);
	for (i = 0; i < 3; i++)
		CU_ASSERT(!alive(second[i]));
	CU_ASSERT_FATAL((cfd = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0);
	CU_ASSERT(connect(cfd, (struct sockaddr *)&sun, sizeof(sun)) == -1);
	close(cfd);
}

static void
test_backoff(void)
{
	char			 script[1024], count[256];
	const char		*argv[] = { "2", "/bin/sh", "-c", script, NULL };
	struct sockaddr_un	 sun;
	pid_t			 pid;
	int			 starts;

	/* Dies at once, always: two copies for 1.5 s. */
	tpath("starts", count, sizeof(count));
	snprintf(script, sizeof(script), "echo x >> %s; exit 3", count);
	pid = start_on("backoff", argv, &sun);
	nap_ms(1500);
	starts = count_lines("starts", "x");
	/* 0, 100, 300, 700 ms (and maybe 1500) a copy; a spin makes thousands. */
	CU_ASSERT(starts >= 6 && starts <= 10);
	CU_ASSERT(count_lines("backoff.log", "ends within") == 1);
	CU_ASSERT(count_lines("backoff.log", "runs again") == 0);
	term_ok(pid);
}

static void
test_recovers(void)
{
	char			 script[1024], count[256];
	const char		*argv[] = { "1", "/bin/sh", "-c", script, NULL };
	struct sockaddr_un	 sun;
	pid_t			 pid;

	/* Dies on its first three starts, then runs. */
	tpath("starts2", count, sizeof(count));
	snprintf(script, sizeof(script), "echo x >> %s; "
	    "test $(wc -l < %s) -ge 4 && exec sleep 600; exit 1", count,
	    count);
	pid = start_on("recover", argv, &sun);
	nap_ms(3000);	/* starts at 0, 100, 300, 700 ms; runs 1 s by 1700 */
	CU_ASSERT(count_lines("starts2", "x") == 4);
	CU_ASSERT(count_lines("recover.log", "ends within") == 1);
	CU_ASSERT(count_lines("recover.log", "runs again") == 1);
	term_ok(pid);
}

static void
test_cannot_run(void)
{
	const char		*argv[] = { "2", "/nonexistent/program", NULL };
	struct sockaddr_un	 sun;
	pid_t			 pid;

	pid = start_on("norun", argv, &sun);
	nap_ms(800);
	/* Once, with the reason, for both copies and all their tries. */
	CU_ASSERT(count_lines("norun.log", "ends within") == 1);
	CU_ASSERT(count_lines("norun.log", "exit 127: No such file") == 1);
	CU_ASSERT(count_lines("norun.log", "gatehouse-spawn:") == 1);
	term_ok(pid);
}

static void
test_dies_with_it(void)
{
	const char		*argv[] = { "2", "/bin/sleep", "600", NULL };
	struct sockaddr_un	 sun;
	pid_t			 pid, kids[MAXKIDS];
	long long		 end;
	int			 i, left;

	/* Killed outright, it leaves no copy holding the socket. */
	pid = start_on("dies", argv, &sun);
	CU_ASSERT_FATAL(wait_children(pid, 2, NULL, 0, 3000, kids));
	CU_ASSERT(stop(pid, SIGKILL) != -1);
	end = tnow_ms() + 2000;
	do {
		for (i = left = 0; i < 2; i++)
			if (alive(kids[i]))
				left++;
		if (left > 0)
			nap_ms(10);
	} while (left > 0 && tnow_ms() < end);
	CU_ASSERT(left == 0);
}

static const struct tcase tests[] = {
	TCASE(test_not_a_socket),
	TCASE(test_respawn_and_term),
	TCASE(test_backoff),
	TCASE(test_recovers),
	TCASE(test_cannot_run),
	TCASE(test_dies_with_it),
};
TMAIN("spawn", tests)
