/* SPDX-License-Identifier: ISC */
/*
 * Fuzz harness for lib/h1.c: the input as an upstream's answer, read by
 * gh_h1_answer() from a socketpair.  The first byte's low bit is
 * head_only (the answer to a HEAD); the rest, 60 KiB at most, is written
 * into the other end (its buffers enlarged so that it all fits before
 * anything is read), which is then shut down.  An upstream is not to be
 * trusted, so whatever it sends:
 *   - every line handed to on_head holds no CR or LF and is at most
 *     GH_H1_LINE_MAX bytes;
 *   - the body never has more bytes than the input;
 *   - there is no body for HEAD, 1xx, 204 and 304 (as far as the status
 *     lines can be read here);
 *   - GH_OK only after a whole head of a final status, the last line
 *     handed over being the empty line, with *keep 0 or 1;
 *   - the input ends, so the answer never waits out the silence limit;
 *   - a failure comes with a NUL-terminated message.
 */
#include <sys/socket.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "h1.h"
#include "fuzz.h"

#define FUZZ_H1_MAX	(60 * 1024)	/* input bytes used */
#define FUZZ_H1_SOCKBUF	(256 * 1024)

struct seen {
	size_t	 body;		/* body bytes */
	size_t	 lines;
	int	 last_empty;	/* the last line was empty */
	int	 at_start;	/* the next line starts a head */
	int	 status;	/* the final status; 0 not yet; -1 unknown */
};

/*
 * The status of a line "HTTP/1.D DDD" (then SP or its end), or -1 when the
 * line has not quite that shape (it may still be one that h1 accepts).
 */
static int
status_of(const char *p, size_t n)
{
	if (n < 12 || memcmp(p, "HTTP/1.", 7) != 0 ||
	    p[7] < '0' || p[7] > '9' || p[8] != ' ' ||
	    p[9] < '0' || p[9] > '9' || p[10] < '0' || p[10] > '9' ||
	    p[11] < '0' || p[11] > '9' || (n > 12 && p[12] != ' '))
		return -1;
	return (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
}

static int
on_head(void *arg, const char *line, size_t n)
{
	struct seen	*s = arg;
	int		 code;

	if (n > GH_H1_LINE_MAX || memchr(line, '\r', n) != NULL ||
	    memchr(line, '\n', n) != NULL)
		abort();
	/* Follow the status lines until the final one (101 is left alone). */
	if (s->status == 0 && s->at_start) {
		code = status_of(line, n);
		if (code == -1 || code == 101)
			s->status = -1;
		else if (code >= 200)
			s->status = code;
	}
	s->at_start = n == 0;
	s->last_empty = n == 0;
	s->lines++;
	return 0;
}

static int
on_body(void *arg, const char *p, size_t n)
{
	struct seen	*s = arg;

	(void)p;
	/* No body while only 1xx heads have come. */
	if (s->status == 0)
		abort();
	s->body += n;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct gh_h1	 c;
	struct gh_h1_req	 req;
	struct seen		 s;
	char			 err[GH_H1_ERR_MAX];
	enum gh_err		 rc;
	size_t			 sent = 0;
	ssize_t			 w;
	int			 sv[2], head_only, keep = -1;
	int			 bufsz = FUZZ_H1_SOCKBUF;

	if (size < 1)
		return 0;
	head_only = data[0] & 1;
	data++;
	size--;
	if (size > FUZZ_H1_MAX)
		size = FUZZ_H1_MAX;
	/* Out of descriptors would be a leak: a finding too. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1)
		abort();
	setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof(bufsz));
	setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz));
	/* Never blocked: what does not fit is left out (it all fits). */
	if (fcntl(sv[1], F_SETFL, O_NONBLOCK) == -1)
		abort();
	while (sent < size) {
		w = send(sv[1], data + sent, size - sent, MSG_NOSIGNAL);
		if (w <= 0)
			break;
		sent += (size_t)w;
	}
	shutdown(sv[1], SHUT_WR);

	memset(&s, 0, sizeof(s));
	s.at_start = 1;
	memset(&req, 0, sizeof(req));
	req.method = head_only ? "HEAD" : "GET";
	req.url = "http://127.0.0.1/";
	req.connect_timeout_ms = 1000;
	req.silence_ms = 1000;
	req.on_head = on_head;
	req.on_body = on_body;
	req.arg = &s;
	memset(&c, 0, sizeof(c));
	gh_h1_init(&c);
	memset(err, 'x', sizeof(err));
	rc = gh_h1_answer(&c, sv[0], &req, head_only, &keep, err,
	    sizeof(err));

	if (rc != GH_OK && rc != GH_EUNAVAIL && rc != GH_ENOMEM)
		abort();	/* GH_ETIMEOUT: it waited past the end */
	if (rc != GH_OK && memchr(err, '\0', sizeof(err)) == NULL)
		abort();
	if (s.body > sent)
		abort();
	if ((head_only || s.status == 204 || s.status == 304) && s.body > 0)
		abort();
	if (rc == GH_OK) {
		if (s.lines < 2 || !s.last_empty || s.status == 0)
			abort();
		if (keep != 0 && keep != 1)
			abort();
	}
	gh_h1_free(&c);
	close(sv[0]);
	close(sv[1]);
	return 0;
}
