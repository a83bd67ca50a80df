/* SPDX-License-Identifier: ISC */
/*
 * test_proc: exit codes, stdin and stdout through the pipes, the output
 * cap, the time limit (the whole process group dies), a missing program,
 * the environment, and that nothing is left behind: no zombie, no
 * descriptor, no change to our signal mask.
 *
 * A program that cannot be started is GH_EIO (glibc's posix_spawnp()
 * reports the exec failure to us), never a status of 127.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc.h"
#include "util.h"
#include "tmain.h"

/* Run sh -c script; returns gh_proc_run()'s result. */
static enum gh_err
run_sh(const char *script, const char *in, size_t inlen, int timeout_ms,
    struct gh_buf *out, int *status)
{
	const char *const	argv[] = { "sh", "-c", script, NULL };

	return gh_proc_run(argv, NULL, in, inlen, timeout_ms, out, status);
}

static void
test_exit_codes(void)
{
	static const struct {
		int		 line;
		const char	*script;
		int		 status;
	} t[] = {
		{ __LINE__, "exit 0", 0 },
		{ __LINE__, "exit 1", 1 },
		{ __LINE__, "exit 3", 3 },
		{ __LINE__, "exit 255", 255 },
		{ __LINE__, "kill -TERM $$", 128 + SIGTERM },
		{ __LINE__, "kill -KILL $$", 128 + SIGKILL },
		{ __LINE__, "exec cat /nonexistent 2>/dev/null", 1 },
	};
	size_t	i;
	int	status;

	for (i = 0; i < GH_NELEM(t); i++) {
		status = -1;
		CU_ASSERT_EQUAL(run_sh(t[i].script, NULL, 0, 5000, NULL,
		    &status), GH_OK);
		if (status != t[i].status)
			fprintf(stderr, "line %d: status %d\n", t[i].line,
			    status);
		CU_ASSERT_EQUAL(status, t[i].status);
	}
}

/* argv goes as it is: no shell between us and the program. */
static void
test_argv(void)
{
	const char *const	 argv[] = { "printf", "[%s]", "a b", "$HOME",
	    "'q'", NULL };
	struct gh_buf		 out;
	int			 status;

	gh_buf_init(&out, 0);
	CU_ASSERT_EQUAL(gh_proc_run(argv, NULL, NULL, 0, 5000, &out,
	    &status), GH_OK);
	CU_ASSERT_EQUAL(status, 0);
	CU_ASSERT_STRING_EQUAL(out.data, "[a b][$HOME]['q']");
	gh_buf_free(&out);
}

static void
test_stdin_cat(void)
{
	const char *const	 argv[] = { "cat", NULL };
	struct gh_buf		 out;
	int			 status;

	gh_buf_init(&out, 0);
	CU_ASSERT_EQUAL(gh_proc_run(argv, NULL, "hello\nworld", 11, 5000,
	    &out, &status), GH_OK);
	CU_ASSERT_EQUAL(status, 0);
	CU_ASSERT_EQUAL(out.len, 11);
	CU_ASSERT_STRING_EQUAL(out.data, "hello\nworld");

	/* No input: stdin is at end of file at once. */
	gh_buf_reset(&out);
	CU_ASSERT_EQUAL(gh_proc_run(argv, NULL, NULL, 0, 5000, &out,
	    &status), GH_OK);
	CU_ASSERT_EQUAL(status, 0);
	CU_ASSERT_EQUAL(out.len, 0);
	gh_buf_free(&out);
}

/* Far more than a pipe holds, both ways at once: no deadlock. */
static void
test_stdin_large(void)
{
	const char *const	 argv[] = { "cat", NULL };
	struct gh_buf		 out;
	char			*in;
	size_t			 n = 4 * 1024 * 1024, i;
	int			 status;

	CU_ASSERT_FATAL((in = malloc(n)) != NULL);
	for (i = 0; i < n; i++)
		in[i] = (char)(i * 7 + i / 4096);
	gh_buf_init(&out, 8 * 1024 * 1024);
	CU_ASSERT_EQUAL(gh_proc_run(argv, NULL, in, n, 20000, &out, &status),
	    GH_OK);
	CU_ASSERT_EQUAL(status, 0);
	CU_ASSERT_EQUAL_FATAL(out.len, n);
	CU_ASSERT(memcmp(out.data, in, n) == 0);
	gh_buf_free(&out);
	free(in);
}

/*
 * A child that exits without reading its input: the EPIPE is not an
 * error, and the SIGPIPE it raises must not kill us (our disposition for
 * SIGPIPE is the default here, which would).
 */
static void
test_stdin_unread(void)
{
	struct gh_buf	 out;
	char		*in;
	size_t		 n = 1024 * 1024;
	sigset_t	 mask, pending;
	int		 status;

	CU_ASSERT_FATAL(signal(SIGPIPE, SIG_DFL) != SIG_ERR);
	CU_ASSERT_FATAL((in = calloc(1, n)) != NULL);
	gh_buf_init(&out, 0);
	CU_ASSERT_EQUAL(run_sh("echo done; exec <&-", in, n, 5000, &out,
	    &status), GH_OK);
	CU_ASSERT_EQUAL(status, 0);
	CU_ASSERT_STRING_EQUAL(out.data, "done\n");
	CU_ASSERT_EQUAL(run_sh("exit 4", in, n, 5000, NULL, &status), GH_OK);
	CU_ASSERT_EQUAL(status, 4);
	/* Our mask is as it was and no SIGPIPE is left pending. */
	CU_ASSERT_FATAL(sigprocmask(SIG_SETMASK, NULL, &mask) == 0);
	CU_ASSERT_EQUAL(sigismember(&mask, SIGPIPE), 0);
	CU_ASSERT_FATAL(sigpending(&pending) == 0);
	CU_ASSERT_EQUAL(sigismember(&pending, SIGPIPE), 0);
	gh_buf_free(&out);
	free(in);
}

/* Output past the buffer's cap is dropped, not an error. */
static void
test_stdout_cap(void)
{
	struct gh_buf	out;
	int		status;

	gh_buf_init(&out, 10);
	CU_ASSERT_EQUAL(run_sh("printf 0123456789abcdef", NULL, 0, 5000, &out,
	    &status), GH_OK);
	CU_ASSERT_EQUAL(status, 0);
	CU_ASSERT_EQUAL(out.len, 10);
	CU_ASSERT_STRING_EQUAL(out.data, "0123456789");
	gh_buf_free(&out);

	/* Megabytes against a cap of 100: drained to the end, then exit 0. */
	gh_buf_init(&out, 100);
	CU_ASSERT_EQUAL(run_sh("head -c 3000000 /dev/zero; exit 5", NULL, 0,
	    10000, &out, &status), GH_OK);
	CU_ASSERT_EQUAL(status, 5);
	CU_ASSERT_EQUAL(out.len, 100);
	gh_buf_free(&out);

	/* Appended after what out already holds. */
	gh_buf_init(&out, 8);
	CU_ASSERT_FATAL(gh_buf_puts(&out, "ab") == GH_OK);
	CU_ASSERT_EQUAL(run_sh("printf 123456789", NULL, 0, 5000, &out,
	    &status), GH_OK);
	CU_ASSERT_STRING_EQUAL(out.data, "ab123456");
	gh_buf_free(&out);

	/* No buffer: discarded. */
	CU_ASSERT_EQUAL(run_sh("head -c 300000 /dev/zero", NULL, 0, 5000,
	    NULL, &status), GH_OK);
	CU_ASSERT_EQUAL(status, 0);
}

/*
 * The children would sleep a minute: an answer well before that proves the
 * kill, whatever else the machine is doing (no tight timing bound).
 */
static void
test_timeout(void)
{
	static char		 big[1024 * 1024];
	const char *const	 argv[] = { "sleep", "60", NULL };
	long long		 t0, dt;
	int			 status = -1;

	t0 = tnow_ms();
	CU_ASSERT_EQUAL(gh_proc_run(argv, NULL, NULL, 0, 200, NULL, &status),
	    GH_ETIMEOUT);
	dt = tnow_ms() - t0;
	CU_ASSERT(dt >= 195);
	CU_ASSERT(dt < 20000);
	CU_ASSERT_EQUAL(status, -1);	/* untouched on failure */

	/* A child that closed stdout but carries on is still timed out. */
	t0 = tnow_ms();
	CU_ASSERT_EQUAL(run_sh("exec >&-; sleep 60", NULL, 0, 200, NULL,
	    &status), GH_ETIMEOUT);
	dt = tnow_ms() - t0;
	CU_ASSERT(dt >= 195);
	CU_ASSERT(dt < 20000);

	/* And one that never reads the input we are still writing. */
	t0 = tnow_ms();
	CU_ASSERT_EQUAL(run_sh("sleep 60", big, sizeof(big), 200, NULL,
	    &status), GH_ETIMEOUT);
	dt = tnow_ms() - t0;
	CU_ASSERT(dt < 20000);
}

/* 1 once /proc says pid is gone or a zombie (waiting for init). */
static int
proc_dead(long pid)
{
	char	 path[64], buf[512], *p;
	FILE	*fp;
	size_t	 n;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((fp = fopen(path, "r")) == NULL)
		return 1;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	if ((p = strrchr(buf, ')')) == NULL)
		return 0;
	return p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X');
}

/* On timeout the grandchildren die too: the whole group is killed. */
static void
test_timeout_group(void)
{
	struct gh_buf	 out;
	long		 pid;
	int		 status, i;

	gh_buf_init(&out, 0);
	CU_ASSERT_EQUAL(run_sh("sleep 30 & echo $!; wait", NULL, 0, 300, &out,
	    &status), GH_ETIMEOUT);
	CU_ASSERT_FATAL(out.len > 0);
	pid = strtol(out.data, NULL, 10);
	CU_ASSERT_FATAL(pid > 1);
	for (i = 0; i < 100 && !proc_dead(pid); i++)
		usleep(10000);
	CU_ASSERT(proc_dead(pid));
	gh_buf_free(&out);
}

/* The child leads a process group of its own. */
static void
test_pgroup(void)
{
	struct gh_buf	 out;
	long		 pid, pgrp;
	char		*p;
	int		 status;

	gh_buf_init(&out, 0);
	CU_ASSERT_EQUAL(run_sh("exec cat /proc/self/stat", NULL, 0, 5000,
	    &out, &status), GH_OK);
	CU_ASSERT_FATAL(out.len > 0);
	pid = strtol(out.data, NULL, 10);
	CU_ASSERT_FATAL((p = strrchr(out.data, ')')) != NULL);
	/* ") S ppid pgrp" */
	CU_ASSERT_FATAL(sscanf(p + 1, " %*c %*d %ld", &pgrp) == 1);
	CU_ASSERT_EQUAL(pgrp, pid);
	CU_ASSERT_NOT_EQUAL(pgrp, (long)getpgrp());
	gh_buf_free(&out);
}

/* Signals we ignore or block are not passed on. */
static void
test_signals_reset(void)
{
	struct gh_buf		 out;
	sigset_t		 set, old;
	unsigned long long	 blk, ign;
	int			 status;

	gh_buf_init(&out, 0);
	CU_ASSERT_FATAL(signal(SIGPIPE, SIG_IGN) != SIG_ERR);
	CU_ASSERT_FATAL(signal(SIGTERM, SIG_IGN) != SIG_ERR);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	CU_ASSERT_FATAL(sigprocmask(SIG_BLOCK, &set, &old) == 0);
	CU_ASSERT_EQUAL(run_sh("grep -E '^Sig(Ign|Blk)' /proc/self/status",
	    NULL, 0, 5000, &out, &status), GH_OK);
	/*
	 * Signals 1 to 31 only: glibc keeps its two internal real-time
	 * signals (32, 33) ignored in the child by itself.
	 */
	CU_ASSERT_FATAL(sscanf(out.data, "SigBlk: %llx SigIgn: %llx", &blk,
	    &ign) == 2);
	CU_ASSERT_EQUAL(blk & 0x7fffffffULL, 0);
	CU_ASSERT_EQUAL(ign & 0x7fffffffULL, 0);
	sigprocmask(SIG_SETMASK, &old, NULL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	gh_buf_free(&out);
}

static void
test_missing_program(void)
{
	static const char *const	 progs[] = {
		"gatehouse-no-such-program", "/nonexistent/prog", "/etc/passwd",
		"/tmp",
	};
	const char			*argv[2];
	size_t				 i;
	int				 status = -1;

	for (i = 0; i < GH_NELEM(progs); i++) {
		argv[0] = progs[i];
		argv[1] = NULL;
		CU_ASSERT_EQUAL(gh_proc_run(argv, NULL, "x", 1, 5000, NULL,
		    &status), GH_EIO);
		CU_ASSERT_EQUAL(status, -1);
	}
}

static void
test_bad_args(void)
{
	const char *const	 argv[] = { "true", NULL };
	const char *const	 empty[] = { NULL };
	int			 status;

	CU_ASSERT_EQUAL(gh_proc_run(argv, NULL, NULL, 0, 0, NULL, &status),
	    GH_EINTERNAL);
	CU_ASSERT_EQUAL(gh_proc_run(argv, NULL, NULL, 0, -5, NULL, &status),
	    GH_EINTERNAL);
	CU_ASSERT_EQUAL(gh_proc_run(empty, NULL, NULL, 0, 100, NULL,
	    &status), GH_EINTERNAL);
	CU_ASSERT_EQUAL(gh_proc_run(argv, NULL, NULL, 5, 100, NULL,
	    &status), GH_EINTERNAL);
}

static void
test_env(void)
{
	const char *const	 argv[] = { "sh", "-c",
	    "printf '%s|%s|%s|%s|' \"$GH_TEST_VAR\" "
	    "\"${GH_TEST_EMPTY-unset}\" \"$GH_TEST_INHERIT\" "
	    "\"$GH_TEST_VARX\"; env | grep -c '^GH_TEST_VAR='", NULL };
	const char *const	 extra[] = { "GH_TEST_VAR=hello world",
	    "GH_TEST_EMPTY=", NULL };
	struct gh_buf		 out;
	int			 status;

	gh_buf_init(&out, 0);
	CU_ASSERT_FATAL(setenv("GH_TEST_INHERIT", "inherited", 1) == 0);
	CU_ASSERT_FATAL(setenv("GH_TEST_VAR", "old", 1) == 0);
	CU_ASSERT_FATAL(setenv("GH_TEST_VARX", "other", 1) == 0);
	CU_ASSERT_EQUAL(gh_proc_run(argv, extra, NULL, 0, 5000, &out,
	    &status), GH_OK);
	CU_ASSERT_EQUAL(status, 0);
	CU_ASSERT_STRING_EQUAL(out.data,
	    "hello world||inherited|other|1\n");
	/* Our own environment is untouched. */
	CU_ASSERT_STRING_EQUAL(getenv("GH_TEST_VAR"), "old");
	unsetenv("GH_TEST_INHERIT");
	unsetenv("GH_TEST_VAR");
	unsetenv("GH_TEST_VARX");
	gh_buf_free(&out);
}

/* After all of the above: no descriptor leaked, no child left unreaped. */
static void
test_no_leaks(void)
{
	const char *const	 cat[] = { "cat", NULL };
	const char *const	 sleep5[] = { "sleep", "5", NULL };
	const char *const	 missing[] = { "gatehouse-no-such-program",
	    NULL };
	struct gh_buf		 out;
	int			 before, i, status;

	gh_buf_init(&out, 0);
	before = tcount_fds();
	for (i = 0; i < 20; i++) {
		gh_buf_reset(&out);
		CU_ASSERT(gh_proc_run(cat, NULL, "x", 1, 5000, &out, &status) ==
		    GH_OK);
		CU_ASSERT(gh_proc_run(missing, NULL, NULL, 0, 5000, NULL,
		    &status) == GH_EIO);
	}
	CU_ASSERT(gh_proc_run(sleep5, NULL, NULL, 0, 100, NULL, &status) ==
	    GH_ETIMEOUT);
	CU_ASSERT_EQUAL(tcount_fds(), before);
	errno = 0;
	CU_ASSERT_EQUAL(waitpid(-1, NULL, WNOHANG), -1);
	CU_ASSERT_EQUAL(errno, ECHILD);
	gh_buf_free(&out);
}

static const struct tcase tests[] = {
	TCASE(test_exit_codes),
	TCASE(test_argv),
	TCASE(test_stdin_cat),
	TCASE(test_stdin_large),
	TCASE(test_stdin_unread),
	TCASE(test_stdout_cap),
	TCASE(test_timeout),
	TCASE(test_timeout_group),
	TCASE(test_pgroup),
	TCASE(test_signals_reset),
	TCASE(test_missing_program),
	TCASE(test_bad_args),
	TCASE(test_env),
	TCASE(test_no_leaks),
};
TMAIN("proc", tests)
