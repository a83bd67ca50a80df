/* SPDX-License-Identifier: ISC */
/*
 * tpg: a throwaway PostgreSQL for a test program (tests/pg.sh: initdb into
 * a temporary directory, a Unix socket there, no TCP port), started on
 * first use and stopped and removed when the program exits.  A missing
 * PostgreSQL fails the test: it is a prerequisite, not an option.
 */
#ifndef TPG_H
#define TPG_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <libpq-fe.h>

static char	tpg_dir[PATH_MAX], tpg_uri[PATH_MAX + 64];

/* Run "sh tests/pg.sh cmd tpg_dir", its first output line into out. */
static inline int
tpg_run(const char *cmd, char *out, size_t outsz)
{
	const char	*srcdir = getenv("srcdir");
	char		 script[PATH_MAX];
	int		 fds[2], status;
	ssize_t		 n;
	pid_t		 pid;

	if (srcdir == NULL)
		srcdir = "..";
	snprintf(script, sizeof(script), "%s/tests/pg.sh", srcdir);
	if (pipe(fds) == -1)
		return -1;
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execl("/bin/sh", "sh", script, cmd, tpg_dir, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	n = 0;
	if (out != NULL && outsz > 0) {
		n = read(fds[0], out, outsz - 1);
		out[n > 0 ? n : 0] = '\0';
		out[strcspn(out, "\n")] = '\0';
	}
	close(fds[0]);
	if (waitpid(pid, &status, 0) == -1 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		return -1;
	return 0;
}

static inline void
tpg_stop(void)
{
	if (tpg_dir[0] == '\0')
		return;
	tpg_run("stop", NULL, 0);
	rmdir(tpg_dir);
	tpg_dir[0] = '\0';
}

/* The URI of the cluster, started on first call; NULL if it cannot be. */
static inline const char *
tpg_start(void)
{
	char	tmpl[] = "/tmp/gh-pg.XXXXXX";

	if (tpg_uri[0] != '\0')
		return tpg_uri;
	if (mkdtemp(tmpl) == NULL)
		return NULL;
	snprintf(tpg_dir, sizeof(tpg_dir), "%s", tmpl);
	atexit(tpg_stop);
	if (tpg_run("start", tpg_uri, sizeof(tpg_uri)) != 0 ||
	    strncmp(tpg_uri, "postgresql://", 13) != 0) {
		tpg_uri[0] = '\0';
		return NULL;
	}
	return tpg_uri;
}

/* Stop the server fast and start it again: every connection is cut. */
static inline int
tpg_restart(void)
{
	return tpg_run("restart", NULL, 0);
}

static inline void
tpg_quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/* Run sql on a connection of its own; 0 on success. */
static inline int
tpg_exec(const char *sql)
{
	PGconn		*c;
	PGresult	*r;
	int		 ok;

	if ((c = PQconnectdb(tpg_uri)) == NULL)
		return -1;
	PQsetNoticeProcessor(c, tpg_quiet, NULL);
	r = PQexec(c, sql);
	ok = PQresultStatus(r) == PGRES_COMMAND_OK ||
	    PQresultStatus(r) == PGRES_TUPLES_OK;
	if (!ok)
		fprintf(stderr, "tpg_exec: %s", PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
	return ok ? 0 : -1;
}

#ifdef TMAIN_H
/*
 * The main() of a suite whose cases run on both backends: every case on
 * SQLite, then *pg set and every case again on the throwaway cluster,
 * after drop (SQL that drops the schemas the cases use; NULL: none).
 */
static inline int
tpg_main(const char *suite, const struct tcase *t, size_t n, int *pg,
    const char *drop)
{
	char	name[128];
	int	rc;

	rc = tmain_run(suite, t, n);
	*pg = 1;
	snprintf(name, sizeof(name), "%s postgresql", suite);
	if (tpg_start() == NULL || (drop != NULL && tpg_exec(drop) != 0)) {
		printf("%s: no PostgreSQL (tests/pg.sh)\n", name);
		return 1;
	}
	return rc | tmain_run(name, t, n);
}

/* tpg_main() as a suite's whole main(), for a suite that drops nothing. */
#define TPG_MAIN(suite, table, flag)					\
	int main(void) {						\
		return tpg_main(suite, table,				\
		    sizeof(table) / sizeof((table)[0]), &(flag), NULL);	\
	}
#endif

#endif
