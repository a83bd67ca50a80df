/* SPDX-License-Identifier: ISC */
/*
 * tserver: a tiny HTTP/1.1 server on loopback for the suites that call out
 * (test_http, test_worker).  A forked child accepts connections one after
 * another, reads one request from each (headers and a Content-Length body),
 * appends it to a log file and answers with the next scripted reply:
 *
 *	"HTTP/1.1 200 OK\r\n…"	sent as it is, then the connection closes
 *	"@hang"			no answer: the connection is held open (the
 *				next connection is served) until the server is
 *				stopped
 *	"@big"			a 200 with a 4 MiB body
 *
 * Each logged request is "=== REQUEST\n" followed by its bytes and "\n".
 * The child exits after its last reply (or after 20 idle seconds).
 */
#ifndef TSERVER_H
#define TSERVER_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define TSERVER_REQ_MAX	(64 * 1024)

struct tserver {
	pid_t	pid;
	int	port;
	char	log[PATH_MAX];
};

/* Replies that tests use most. */
#define TS_200	"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
#define TS_204	"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"
#define TS_410	"HTTP/1.1 410 Gone\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
#define TS_500	"HTTP/1.1 500 Oops\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
#define TS_BIG	"HTTP/1.1 200 OK\r\nContent-Length: 4194304\r\nConnection: close\r\n\r\n"

/* A loopback TCP socket bound to a free port, listening; -1 on failure. */
static inline int
tserver_listen(int *port)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	int			fd, one = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, 16) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1) {
		close(fd);
		return -1;
	}
	*port = ntohs(sin.sin_port);
	return fd;
}

/* A loopback port nobody listens on (bound, then closed). */
static inline int
tserver_dead_port(void)
{
	int	fd, port = 0;

	if ((fd = tserver_listen(&port)) != -1)
		close(fd);
	return port;
}

/* The child: read one request from c into the log. */
static inline void
tserver_read(int c, const char *log)
{
	static char	 buf[TSERVER_REQ_MAX];
	const char	*end, *cl;
	size_t		 n = 0, want = 0;
	ssize_t		 r;
	FILE		*fp;

	for (;;) {
		buf[n] = '\0';
		if ((end = strstr(buf, "\r\n\r\n")) != NULL) {
			if (want == 0) {
				cl = strcasestr(buf, "\r\nContent-Length:");
				want = (size_t)(end + 4 - buf);
				if (cl != NULL && cl < end)
					want += strtoul(cl + 17, NULL, 10);
			}
			if (n >= want)
				break;
		}
		if (n >= sizeof(buf) - 1)
			break;
		r = read(c, buf + n, sizeof(buf) - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	if ((fp = fopen(log, "a")) != NULL) {
		fprintf(fp, "=== REQUEST\n");
		fwrite(buf, 1, n, fp);
		fprintf(fp, "\n");
		fclose(fp);
	}
}

/* The child: write all of s. */
static inline void
tserver_write(int c, const char *s, size_t n)
{
	ssize_t	r;

	while (n > 0 && (r = write(c, s, n)) > 0) {
		s += r;
		n -= (size_t)r;
	}
}

/* The child's loop: one connection per reply, then _exit. */
static inline void
tserver_child(int lfd, const char *log, const char *const *replies,
    size_t n)
{
	static char	zeros[65536];
	struct pollfd	pfd;
	size_t		i, sent;
	int		c, hung = 0;

	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < n; i++) {
		pfd.fd = lfd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 20000) <= 0)
			_exit(1);
		if ((c = accept(lfd, NULL, NULL)) == -1)
			_exit(1);
		tserver_read(c, log);
		if (strcmp(replies[i], "@hang") == 0) {
			hung = 1;
			continue;	/* c stays open */
		} else if (strcmp(replies[i], "@big") == 0) {
			tserver_write(c, TS_BIG, strlen(TS_BIG));
			for (sent = 0; sent < 4194304; sent += sizeof(zeros))
				tserver_write(c, zeros, sizeof(zeros));
		} else
			tserver_write(c, replies[i], strlen(replies[i]));
		close(c);
	}
	if (hung)
		sleep(30);
	_exit(0);
}

/*
 * Start a server answering replies[0..n) and logging to log (truncated
 * first).  0 on success with s filled, -1 on failure.
 */
static inline int
tserver_start(struct tserver *s, const char *log, const char *const *replies,
    size_t n)
{
	int	lfd, fd;

	memset(s, 0, sizeof(*s));
	snprintf(s->log, sizeof(s->log), "%s", log);
	if ((fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) ==
	    -1)
		return -1;
	close(fd);
	if ((lfd = tserver_listen(&s->port)) == -1)
		return -1;
	fflush(NULL);
	if ((s->pid = fork()) == -1) {
		close(lfd);
		return -1;
	}
	if (s->pid == 0) {
		/* Nothing of the test's but the listener: no stray locks held. */
		for (fd = 3; fd < 1024; fd++)
			if (fd != lfd)
				close(fd);
		tserver_child(lfd, s->log, replies, n);
	}
	close(lfd);
	return 0;
}

/* Stop the server (if still running) and reap it. */
static inline void
tserver_stop(struct tserver *s)
{
	if (s->pid > 0) {
		kill(s->pid, SIGKILL);
		while (waitpid(s->pid, NULL, 0) == -1 && errno == EINTR)
			;
	}
	s->pid = 0;
}

/* The log as a NUL-terminated string (free it); "" if empty or unreadable. */
static inline char *
tserver_log(const struct tserver *s)
{
	FILE	*fp;
	char	*buf;
	size_t	 n = 0;

	if ((buf = calloc(1, 1 << 20)) == NULL)
		abort();
	if ((fp = fopen(s->log, "r")) != NULL) {
		n = fread(buf, 1, (1 << 20) - 1, fp);
		fclose(fp);
	}
	buf[n] = '\0';
	return buf;
}

/* How many requests the log holds. */
static inline int
tserver_count(const struct tserver *s)
{
	char		*log = tserver_log(s);
	const char	*p = log;
	int		 n = 0;

	while ((p = strstr(p, "=== REQUEST\n")) != NULL) {
		n++;
		p++;
	}
	free(log);
	return n;
}

#endif
