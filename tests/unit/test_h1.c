/* SPDX-License-Identifier: ISC */
/*
 * test_h1: the small HTTP/1.1 client (h1.h).
 *
 * gh_h1_answer() reads canned answers from one end of a socketpair that a
 * thread of the test writes into: bodies framed by Content-Length, chunked
 * (extensions, trailers) or the end of the connection, none for HEAD, 204
 * and 304; 1xx heads; when the connection may be kept; CRLF and bare LF;
 * the limits on a line and on the heads; malformed answers; callbacks that
 * stop the answer; the silence limit.
 *
 * gh_h1_request() talks to a tiny server in a thread of the test, which
 * records the bytes it receives: the request on the wire (request line,
 * Host, the caller's headers, Content-Length or chunked bodies),
 * connections kept and reused, replaced when the server closed one, the
 * least recently used one closed; the address policy, refused
 * connections, bad URLs, IPv6 loopback; no SIGPIPE; and no descriptor
 * left open after gh_h1_free.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "h1.h"
#include "netpol.h"
#include "util.h"
#include "tmain.h"

#define GOT_HEAD_MAX	(512 * 1024)
#define GOT_BODY_MAX	(1024 * 1024)
#define KEEP_ANY	2		/* a table's keep: not checked */

/* A plain kept-alive answer, and one that says it closes. */
#define OK_KEEP		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
#define OK_CLOSE	"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n" \
			"Connection: close\r\n\r\nok"

/* The byte at offset i of the test bodies' pattern. */
static char
pattern(size_t i)
{
	return (char)('a' + (i * 7 + i / 251) % 26);
}

/* --- what the callbacks see ------------------------------------------- */

/* What the callbacks saw, and how they are to behave. */
struct got {
	char		 head[GOT_HEAD_MAX];	/* each line, then "\n" */
	size_t		 headlen;
	size_t		 nlines;
	int		 last_empty;	/* the last line was the empty one */
	char		 body[GOT_BODY_MAX];
	size_t		 bodylen;
	size_t		 nbody;		/* on_body calls */
	int		 overflow;	/* more than the buffers hold */
	int		 bad_line;	/* a line with CR or LF, or too long */
	size_t		 stop_head;	/* return -1 at this on_head call */
	size_t		 stop_body;	/* … at this on_body call */
	int		 stopped;	/* a callback returned -1 */
	int		 late;		/* a callback came after that */
	/* The request body handed out by on_read. */
	const char	*src;		/* these bytes… */
	size_t		 srclen;
	size_t		 gen;		/* …or this many of pattern() */
	size_t		 srcoff;
	size_t		 piece;		/* at most this many a call; 0: any */
	size_t		 fail_read;	/* return -1 at this on_read call */
	size_t		 nread;
	int		 ended;		/* on_read returned 0 */
	int		 read_after_end;
};

static struct got *
got_new(void)
{
	struct got	*g;

	g = calloc(1, sizeof(*g));
	CU_ASSERT_FATAL(g != NULL);
	return g;
}

/*
 * Make g ready for the next call: what the test set up for the callbacks
 * (the body on_read hands out, where to fail or stop) stays, what they
 * saw is cleared.
 */
static void
got_rearm(struct got *g)
{
	const char	*src = g->src;
	size_t		 srclen = g->srclen, gen = g->gen, piece = g->piece;
	size_t		 fail_read = g->fail_read;
	size_t		 stop_head = g->stop_head, stop_body = g->stop_body;

	memset(g, 0, sizeof(*g));
	g->src = src;
	g->srclen = srclen;
	g->gen = gen;
	g->piece = piece;
	g->fail_read = fail_read;
	g->stop_head = stop_head;
	g->stop_body = stop_body;
}

/* 1 when the lines seen are exactly want (each followed by "\n"). */
static int
got_head_is(const struct got *g, const char *want)
{
	return g->headlen == strlen(want) &&
	    memcmp(g->head, want, g->headlen) == 0;
}

/* 1 when the lines seen begin with want. */
static int
got_head_starts(const struct got *g, const char *want)
{
	return g->headlen >= strlen(want) &&
	    memcmp(g->head, want, strlen(want)) == 0;
}

static int
got_body_is(const struct got *g, const char *want, size_t n)
{
	return g->bodylen == n && memcmp(g->body, want, n) == 0;
}

static int
on_head(void *arg, const char *line, size_t n)
{
	struct got	*g = arg;

	if (g->stopped) {
		g->late = 1;
		return -1;
	}
	if (memchr(line, '\r', n) != NULL || memchr(line, '\n', n) != NULL ||
	    n > GH_H1_LINE_MAX)
		g->bad_line = 1;
	if (g->headlen + n + 1 > sizeof(g->head))
		g->overflow = 1;
	else {
		memcpy(g->head + g->headlen, line, n);
		g->headlen += n;
		g->head[g->headlen++] = '\n';
	}
	g->last_empty = n == 0;
	if (++g->nlines == g->stop_head) {
		g->stopped = 1;
		return -1;
	}
	return 0;
}

static int
on_body(void *arg, const char *p, size_t n)
{
	struct got	*g = arg;

	if (g->stopped) {
		g->late = 1;
		return -1;
	}
	if (g->bodylen + n > sizeof(g->body))
		g->overflow = 1;
	else {
		memcpy(g->body + g->bodylen, p, n);
		g->bodylen += n;
	}
	if (++g->nbody == g->stop_body) {
		g->stopped = 1;
		return -1;
	}
	return 0;
}

static ssize_t
on_read(void *arg, char *p, size_t n)
{
	struct got	*g = arg;
	size_t		 len = g->src != NULL ? g->srclen : g->gen, i;

	if (g->ended)
		g->read_after_end = 1;
	if (++g->nread == g->fail_read)
		return -1;
	if (g->piece > 0 && n > g->piece)
		n = g->piece;
	if (n > len - g->srcoff)
		n = len - g->srcoff;
	if (n == 0) {
		g->ended = 1;
		return 0;
	}
	if (g->src != NULL)
		memcpy(p, g->src + g->srcoff, n);
	else
		for (i = 0; i < n; i++)
			p[i] = pattern(g->srcoff + i);
	g->srcoff += n;
	return (ssize_t)n;
}

/* A GET of url with limits that a test does not wait on, callbacks to g. */
static struct gh_h1_req
req_to(const char *url, struct got *g)
{
	struct gh_h1_req	r;

	memset(&r, 0, sizeof(r));
	r.method = "GET";
	r.url = url;
	r.connect_timeout_ms = 1000;
	r.silence_ms = 2000;
	r.on_head = on_head;
	r.on_body = on_body;
	r.on_read = on_read;
	r.arg = g;
	return r;
}

/* --- answers from a socketpair ------------------------------------------ */

/* A growable buffer for the answers built by the tests. */
struct sb {
	char	*p;
	size_t	 n, cap;
};

static void
sb_add(struct sb *b, const char *s, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2;
		b->p = realloc(b->p, b->cap);
		CU_ASSERT_FATAL(b->p != NULL);
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
}

static void
sb_str(struct sb *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static void
sb_fill(struct sb *b, char ch, size_t n)
{
	char	buf[1024];
	size_t	k;

	memset(buf, ch, sizeof(buf));
	while (n > 0) {
		k = n < sizeof(buf) ? n : sizeof(buf);
		sb_add(b, buf, k);
		n -= k;
	}
}

/* n header lines "X-Pad-NNNN: aaa…" of len bytes each, without CRLF. */
static void
sb_pad(struct sb *b, size_t n, size_t len)
{
	char	name[32];
	size_t	i;
	int	k;

	for (i = 0; i < n; i++) {
		k = snprintf(name, sizeof(name), "X-Pad-%04zu: ", i);
		sb_str(b, name);
		sb_fill(b, 'a', len - (size_t)k);
		sb_str(b, "\r\n");
	}
}

static void
sb_free(struct sb *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* The writing end of a socketpair, fed by a thread. */
struct feed {
	int		 fd;
	const char	*p;
	size_t		 n;
	int		 drip;		/* a byte at a time */
	int		 open;		/* not shut down (silent) until… */
	int		 done;		/* …this is readable, or for 1 s */
};

static void *
feed_run(void *arg)
{
	struct feed	*f = arg;
	struct pollfd	 pfd;
	size_t		 off = 0;
	ssize_t		 w;

	while (off < f->n) {
		w = send(f->fd, f->p + off, f->drip ? 1 : f->n - off,
		    MSG_NOSIGNAL);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			break;		/* the reader has gone */
		off += (size_t)w;
	}
	/*
	 * Silent, but not for ever: a reader that does not keep to its
	 * silence limit gets the end of the answer after 1 s, and fails
	 * its test rather than hang it.
	 */
	if (f->open) {
		pfd.fd = f->done;
		pfd.events = POLLIN;
		poll(&pfd, 1, 1000);
	}
	shutdown(f->fd, SHUT_WR);
	return NULL;
}

#define A_HEAD		0x01	/* head_only */
#define A_NONBLOCK	0x02	/* the reading end is non-blocking */
#define A_DRIP		0x04	/* written a byte at a time */
#define A_OPEN		0x08	/* never shut down: the peer falls silent */

/*
 * gh_h1_answer() on n bytes of text, written into a socketpair by a thread
 * (so that answers larger than the socket's buffer go through too) and
 * then shut down unless A_OPEN.  What it returns; the callbacks fill g,
 * rearmed first, and *keep is -1 until gh_h1_answer() sets it.
 */
static enum gh_err
answer(const char *text, size_t n, int flags, int silence_ms, struct got *g,
    int *keep, char *err, size_t errsz)
{
	struct gh_h1		 c;
	struct gh_h1_req	 r;
	struct feed		 f;
	pthread_t		 th;
	enum gh_err		 rc;
	int			 sv[2], done[2], fl;

	got_rearm(g);
	*keep = -1;
	CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    sv) == 0);
	CU_ASSERT_FATAL(pipe2(done, O_CLOEXEC) == 0);
	if (flags & A_NONBLOCK) {
		fl = fcntl(sv[0], F_GETFL);
		CU_ASSERT_FATAL(fcntl(sv[0], F_SETFL, fl | O_NONBLOCK) == 0);
	}
	memset(&f, 0, sizeof(f));
	f.fd = sv[1];
	f.p = text;
	f.n = n;
	f.drip = (flags & A_DRIP) != 0;
	f.open = (flags & A_OPEN) != 0;
	f.done = done[0];
	CU_ASSERT_FATAL(pthread_create(&th, NULL, feed_run, &f) == 0);
	memset(&c, 0, sizeof(c));
	gh_h1_init(&c);
	r = req_to("http://127.0.0.1/", g);
	if (flags & A_HEAD)
		r.method = "HEAD";
	r.silence_ms = silence_ms;
	if (errsz > 0)
		err[0] = '\0';
	rc = gh_h1_answer(&c, sv[0], &r, (flags & A_HEAD) != 0, keep, err,
	    errsz);
	/* An answer refused early leaves the writer stuck on a full socket. */
	close(sv[0]);
	close(done[1]);
	pthread_join(th, NULL);
	close(sv[1]);
	close(done[0]);
	gh_h1_free(&c);
	return rc;
}

/* answer() of the text built in b, silent for 2 s at most; b emptied. */
static enum gh_err
answer_sb(struct sb *b, int flags, struct got *g, int *keep)
{
	char		err[GH_H1_ERR_MAX];
	enum gh_err	rc;

	rc = answer(b->p, b->n, flags, 2000, g, keep, err, sizeof(err));
	sb_free(b);
	return rc;
}

/* Whole answers: the lines and the body seen, and whether to keep. */
static void
test_answer_ok(void)
{
	static const struct {
		int		 line;
		const char	*in;
		int		 flags;
		int		 keep;
		const char	*head;	/* the lines, each followed by "\n" */
		const char	*body;
		int		 prefix; /* head only begins so (trailers) */
	} t[] = {
		/* Content-Length. */
		{ __LINE__, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
		    "Content-Length: 5\r\n\r\nhello", 0, 1,
		    "HTTP/1.1 200 OK\nContent-Type: text/plain\n"
		    "Content-Length: 5\n\n", "hello", 0 },
		{ __LINE__, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n"
		    "\r\n", 0, 1,
		    "HTTP/1.1 404 Not Found\nContent-Length: 0\n\n", "", 0 },
		{ __LINE__, "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello",
		    0, 1, "HTTP/1.1 200 OK\ncontent-length: 5\n\n", "hello",
		    0 },
		{ __LINE__, "HTTP/1.1 200 OK\r\nContent-Length:  5 \r\n\r\n"
		    "hello", 0, 1,
		    "HTTP/1.1 200 OK\nContent-Length:  5 \n\n", "hello", 0 },
		{ __LINE__, "HTTP/1.1 200 OK\r\nContent-Length: 0005\r\n\r\n"
		    "hello", 0, 1,
		    "HTTP/1.1 200 OK\nContent-Length: 0005\n\n", "hello", 0 },
		{ __LINE__, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n"
		    "a\r\nb", 0, 1,
		    "HTTP/1.1 200 OK\nContent-Length: 4\n\n", "a\r\nb", 0 },
		/* An empty reason phrase. */
		{ __LINE__, "HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n", 0, 1,
		    "HTTP/1.1 200 \nContent-Length: 0\n\n", "", 0 },
		/* Bytes past Content-Length are not body. */
		{ __LINE__, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n"
		    "okEXTRA", 0, KEEP_ANY,
		    "HTTP/1.1 200 OK\nContent-Length: 2\n\n", "ok", 0 },
		/* Chunked, with extensions, upper case and leading zeros. */
		{ __LINE__, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
		    "\r\n4\r\nWiki\r\n5;foo=bar\r\npedia\r\n"
		    "E;a=1;b=\"x y\"\r\n in\r\n\r\nchunks.\r\n0\r\n\r\n", 0, 1,
		    "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n",
		    "Wikipedia in\r\n\r\nchunks.", 0 },
		{ __LINE__, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
		    "\r\n00A\r\n0123456789\r\nb\r\nabcdefghijk\r\n000\r\n\r\n",
		    0, 1, "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n",
		    "0123456789abcdefghijk", 0 },
		{ __LINE__, "HTTP/1.1 200 OK\r\ntransfer-encoding: Chunked\r\n"
		    "\r\n2\r\nok\r\n0\r\n\r\n", 0, 1,
		    "HTTP/1.1 200 OK\ntransfer-encoding: Chunked\n\n", "ok",
		    0 },
		{ __LINE__, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
		    "\r\n0\r\n\r\n", 0, 1,
		    "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n", "", 0 },
		/* Trailers (and an extension on the last chunk). */
		{ __LINE__, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
		    "Trailer: Expires, X-Sum\r\n\r\n3;a=1\r\nabc\r\n0;end\r\n"
		    "Expires: never\r\nX-Sum: 1\r\n\r\n", 0, 1,
		    "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n"
		    "Trailer: Expires, X-Sum\n\n", "abc", 1 },
		/* No framing: the body runs until the connection closes. */
		{ __LINE__, "HTTP/1.1 200 OK\r\nX: y\r\n\r\nall of this\r\n"
		    "and that", 0, 0, "HTTP/1.1 200 OK\nX: y\n\n",
		    "all of this\r\nand that", 0 },
		{ __LINE__, "HTTP/1.1 200 OK\r\n\r\n", 0, 0,
		    "HTTP/1.1 200 OK\n\n", "", 0 },
		/* HTTP/1.0: never kept. */
		{ __LINE__, "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", 0,
		    0, "HTTP/1.0 200 OK\nContent-Length: 2\n\n", "ok", 0 },
		{ __LINE__, "HTTP/1.0 200 OK\r\n\r\nuntil the end", 0, 0,
		    "HTTP/1.0 200 OK\n\n", "until the end", 0 },
		/* Connection: close, in any case, among other options. */
		{ __LINE__, "HTTP/1.1 200 OK\r\nConnection: close\r\n"
		    "Content-Length: 2\r\n\r\nok", 0, 0,
		    "HTTP/1.1 200 OK\nConnection: close\nContent-Length: 2\n\n",
		    "ok", 0 },
		{ __LINE__, "HTTP/1.1 200 OK\r\nconnection: Close\r\n"
		    "Content-Length: 2\r\n\r\nok", 0, 0,
		    "HTTP/1.1 200 OK\nconnection: Close\nContent-Length: 2\n\n",
		    "ok", 0 },
		{ __LINE__, "HTTP/1.1 200 OK\r\nConnection: keep-alive, "
		    "close\r\nContent-Length: 2\r\n\r\nok", 0, 0,
		    "HTTP/1.1 200 OK\nConnection: keep-alive, close\n"
		    "Content-Length: 2\n\n", "ok", 0 },
		{ __LINE__, "HTTP/1.1 200 OK\r\nConnection: keep-alive\r\n"
		    "Content-Length: 2\r\n\r\nok", 0, 1,
		    "HTTP/1.1 200 OK\nConnection: keep-alive\n"
		    "Content-Length: 2\n\n", "ok", 0 },
		/* HEAD: no body, whatever the head says. */
		{ __LINE__, "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n",
		    A_HEAD, 1, "HTTP/1.1 200 OK\nContent-Length: 1234\n\n", "",
		    0 },
		{ __LINE__, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
		    "\r\n", A_HEAD, 1,
		    "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n", "", 0 },
		{ __LINE__, "HTTP/1.1 200 OK\r\n\r\n", A_HEAD, 1,
		    "HTTP/1.1 200 OK\n\n", "", 0 },
		/* 204 and 304: no body either. */
		{ __LINE__, "HTTP/1.1 204 No Content\r\n\r\n", 0, 1,
		    "HTTP/1.1 204 No Content\n\n", "", 0 },
		{ __LINE__, "HTTP/1.1 304 Not Modified\r\nContent-Length: "
		    "100\r\n\r\n", 0, 1,
		    "HTTP/1.1 304 Not Modified\nContent-Length: 100\n\n", "",
		    0 },
		{ __LINE__, "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: "
		    "chunked\r\n\r\n", 0, 1,
		    "HTTP/1.1 304 Not Modified\nTransfer-Encoding: chunked\n\n",
		    "", 0 },
		/* 1xx heads, then the answer: every line of every head. */
		{ __LINE__, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"
		    "Content-Length: 2\r\n\r\nok", 0, 1,
		    "HTTP/1.1 100 Continue\n\nHTTP/1.1 200 OK\n"
		    "Content-Length: 2\n\n", "ok", 0 },
		{ __LINE__, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early "
		    "Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 204 "
		    "No Content\r\n\r\n", 0, 1,
		    "HTTP/1.1 100 Continue\n\nHTTP/1.1 103 Early Hints\n"
		    "Link: </a.css>; rel=preload\n\n"
		    "HTTP/1.1 204 No Content\n\n", "", 0 },
		{ __LINE__, "HTTP/1.1 100 Continue\r\nContent-Length: 5\r\n\r\n"
		    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 0, 1,
		    "HTTP/1.1 100 Continue\nContent-Length: 5\n\n"
		    "HTTP/1.1 200 OK\nContent-Length: 2\n\n", "ok", 0 },
		{ __LINE__, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"
		    "Content-Length: 9\r\n\r\n", A_HEAD, 1,
		    "HTTP/1.1 100 Continue\n\nHTTP/1.1 200 OK\n"
		    "Content-Length: 9\n\n", "", 0 },
		/* Bare LF line ends, alone or mixed with CRLF. */
		{ __LINE__, "HTTP/1.1 200 OK\nContent-Length: 2\n\nok", 0, 1,
		    "HTTP/1.1 200 OK\nContent-Length: 2\n\n", "ok", 0 },
		{ __LINE__, "HTTP/1.1 200 OK\r\nContent-Length: 2\n\r\nok", 0,
		    1, "HTTP/1.1 200 OK\nContent-Length: 2\n\n", "ok", 0 },
		{ __LINE__, "HTTP/1.1 100 Continue\n\nHTTP/1.1 200 OK\r\n"
		    "Content-Length: 2\r\n\nok", 0, 1,
		    "HTTP/1.1 100 Continue\n\nHTTP/1.1 200 OK\n"
		    "Content-Length: 2\n\n", "ok", 0 },
		{ __LINE__, "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n"
		    "2\nok\n0\n\n", 0, 1,
		    "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n", "ok",
		    0 },
	};
	struct got	*g = got_new();
	char		 err[GH_H1_ERR_MAX];
	size_t		 i;
	int		 keep;

	for (i = 0; i < GH_NELEM(t); i++) {
		TROW(t[i].line, answer(t[i].in, strlen(t[i].in), t[i].flags,
		    2000, g, &keep, err, sizeof(err)) == GH_OK);
		if (t[i].keep != KEEP_ANY)
			TROW(t[i].line, keep == t[i].keep);
		else
			TROW(t[i].line, keep == 0 || keep == 1);
		if (t[i].prefix)
			TROW(t[i].line, got_head_starts(g, t[i].head));
		else
			TROW(t[i].line, got_head_is(g, t[i].head));
		TROW(t[i].line, got_body_is(g, t[i].body, strlen(t[i].body)));
		TROW(t[i].line, g->last_empty);
		TROW(t[i].line, !g->bad_line && !g->overflow);
	}
	/* A body with a NUL in it. */
	{
		static const char	in[] = "HTTP/1.1 200 OK\r\n"
		    "Content-Length: 5\r\n\r\na\0b\r\n";

		CU_ASSERT_EQUAL(answer(in, sizeof(in) - 1, 0, 2000, g, &keep,
		    err, sizeof(err)), GH_OK);
		CU_ASSERT(got_body_is(g, "a\0b\r\n", 5));
		CU_ASSERT_EQUAL(keep, 1);
	}
	free(g);
}

/* Malformed or cut-off answers: GH_EUNAVAIL, with a message. */
static void
test_answer_bad(void)
{
	static const struct {
		int		 line;
		const char	*in;
		int		 flags;
	} t[] = {
		/* Closed before or in the head. */
		{ __LINE__, "", 0 },
		{ __LINE__, "HTTP/1.1 200 OK\r\nContent-Le", 0 },
		{ __LINE__, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n", 0 },
		{ __LINE__, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n",
		    A_HEAD },
		{ __LINE__, "HTTP/1.1 100 Continue\r\n\r\n", 0 },
		{ __LINE__, "HTTP/1.1 100 Continue\r\n\r\n", A_HEAD },
		/* Not "HTTP/1.". */
		{ __LINE__, "HTTP/2 200 OK\r\nContent-Length: 0\r\n\r\n", 0 },
		{ __LINE__, "HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n", 0 },
		{ __LINE__, "HTTP/1 200 OK\r\nContent-Length: 0\r\n\r\n", 0 },
		{ __LINE__, "http/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0 },
		{ __LINE__, "ICY 200 OK\r\nContent-Length: 0\r\n\r\n", 0 },
		{ __LINE__, " HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
		    0 },
		{ __LINE__, "<html>hello</html>\r\n\r\n", 0 },
		{ __LINE__, "\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
		    0 },
		/* A bad status code. */
		{ __LINE__, "HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n",
		    0 },
		{ __LINE__, "HTTP/1.1 20 OK\r\nContent-Length: 0\r\n\r\n", 0 },
		{ __LINE__, "HTTP/1.1 abc OK\r\nContent-Length: 0\r\n\r\n", 0 },
		{ __LINE__, "HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n", 0 },
		{ __LINE__, "HTTP/1.1 +20 OK\r\nContent-Length: 0\r\n\r\n", 0 },
		{ __LINE__, "HTTP/1.1 -200 OK\r\nContent-Length: 0\r\n\r\n",
		    0 },
		{ __LINE__, "HTTP/1.1 099 Low\r\nContent-Length: 0\r\n\r\n",
		    0 },
		{ __LINE__, "HTTP/1.1\r\nContent-Length: 0\r\n\r\n", 0 },
		{ __LINE__, "HTTP/1.1 \r\nContent-Length: 0\r\n\r\n", 0 },
		{ __LINE__, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 2x0 OK\r\n"
		    "Content-Length: 0\r\n\r\n", 0 },
		/* A bad chunk size. */
		{ __LINE__, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
		    "\r\nzz\r\nok\r\n0\r\n\r\n", 0 },
		{ __LINE__, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
		    "\r\n\r\nok\r\n0\r\n\r\n", 0 },
		{ __LINE__, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
		    "\r\n-2\r\nok\r\n0\r\n\r\n", 0 },
		{ __LINE__, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
		    "\r\n+2\r\nok\r\n0\r\n\r\n", 0 },
		{ __LINE__, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
		    "\r\n0x2\r\nok\r\n0\r\n\r\n", 0 },
		{ __LINE__, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
		    "\r\n2x\r\nok\r\n0\r\n\r\n", 0 },
		/* 2^64 + 2: a size that wraps around to 2 is still bad. */
		{ __LINE__, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
		    "\r\n10000000000000002\r\nok\r\n0\r\n\r\n", 0 },
		/* Chunk data not followed by its line end. */
		{ __LINE__, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
		    "\r\n2\r\nokX\r\n0\r\n\r\n", 0 },
		/* Conflicting Content-Lengths. */
		{ __LINE__, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
		    "Content-Length: 3\r\n\r\nokk", 0 },
		{ __LINE__, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
		    "Content-Length: 2\r\n\r\nokk", 0 },
		{ __LINE__, "HTTP/1.1 200 OK\r\nContent-Length: 2, 3\r\n\r\n"
		    "okk", 0 },
		/* A Content-Length that is not a number. */
		{ __LINE__, "HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\nok",
		    0 },
		{ __LINE__, "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nok",
		    0 },
		{ __LINE__, "HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nok",
		    0 },
		{ __LINE__, "HTTP/1.1 200 OK\r\nContent-Length: 2x\r\n\r\nok",
		    0 },
		{ __LINE__, "HTTP/1.1 200 OK\r\nContent-Length: 0x2\r\n\r\nok",
		    0 },
		{ __LINE__, "HTTP/1.1 200 OK\r\nContent-Length: 2 2\r\n\r\nok",
		    0 },
		{ __LINE__, "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\nok", 0 },
		{ __LINE__, "HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\nok",
		    0 },
		{ __LINE__, "HTTP/1.1 200 OK\r\nContent-Length: "
		    "99999999999999999999999\r\n\r\nok", 0 },
		{ __LINE__, "HTTP/1.1 200 OK\r\nContent-Length: "
		    "18446744073709551618\r\n\r\nok", 0 },
		/* Closed before Content-Length bytes came. */
		{ __LINE__, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
		    0 },
		{ __LINE__, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n", 0 },
		/* Closed in a chunk, between chunks, in the trailers. */
		{ __LINE__, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
		    "\r\n5\r\nab", 0 },
		{ __LINE__, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
		    "\r\n2\r\nok", 0 },
		{ __LINE__, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
		    "\r\n2\r\nok\r\n", 0 },
		{ __LINE__, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
		    "\r\n2\r\nok\r\n3", 0 },
		{ __LINE__, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
		    "\r\n", 0 },
		{ __LINE__, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
		    "\r\n0\r\n", 0 },
		{ __LINE__, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
		    "\r\n0\r\nExpires: never\r\n", 0 },
	};
	static const char	 cr[] = "HTTP/1.1 200 OK\r\nX: a\rb\r\n"
	    "Content-Length: 0\r\n\r\n";
	struct got		*g = got_new();
	char			 err[GH_H1_ERR_MAX];
	enum gh_err		 rc;
	size_t			 i;
	int			 keep;

	for (i = 0; i < GH_NELEM(t); i++) {
		TROW(t[i].line, answer(t[i].in, strlen(t[i].in), t[i].flags,
		    2000, g, &keep, err, sizeof(err)) == GH_EUNAVAIL);
		TROW(t[i].line, err[0] != '\0');
		TROW(t[i].line, !g->bad_line && !g->overflow && !g->late);
		TROW(t[i].line, g->bodylen <= strlen(t[i].in));
	}
	/*
	 * A CR inside a line: refused, or at least never handed over as
	 * part of a line.  errbuf may be NULL with a size of 0.
	 */
	rc = answer(cr, strlen(cr), 0, 2000, g, &keep, NULL, 0);
	CU_ASSERT(rc == GH_OK || rc == GH_EUNAVAIL);
	CU_ASSERT(!g->bad_line);
	CU_ASSERT_EQUAL(answer("HTTP/9", 6, 0, 2000, g, &keep, NULL, 0),
	    GH_EUNAVAIL);
	free(g);
}

/* The limits on a line and on the heads; long bodies go through. */
static void
test_answer_limits(void)
{
	struct got	*g = got_new();
	struct sb	 b = { 0 };
	const char	*nl;
	size_t		 i;
	int		 keep;

	/* A status line, then a header line, over GH_H1_LINE_MAX. */
	sb_str(&b, "HTTP/1.1 200 ");
	sb_fill(&b, 'a', GH_H1_LINE_MAX + 1 - 13);
	sb_str(&b, "\r\nContent-Length: 0\r\n\r\n");
	CU_ASSERT_EQUAL(answer_sb(&b, 0, g, &keep), GH_EUNAVAIL);
	CU_ASSERT_EQUAL(g->nlines, 0);
	for (i = 0; i < 2; i++) {
		sb_str(&b, "HTTP/1.1 200 OK\r\nX: ");
		sb_fill(&b, 'a', GH_H1_LINE_MAX + 1 - 3);
		sb_str(&b, i == 0 ? "\r\n" : "\n");
		sb_str(&b, "Content-Length: 0\r\n\r\n");
		CU_ASSERT_EQUAL(answer_sb(&b, 0, g, &keep), GH_EUNAVAIL);
		CU_ASSERT(g->nlines <= 1 && !g->bad_line);
	}
	/* No line end at all, far past the limit. */
	sb_str(&b, "HTTP/1.1 200 OK\r\nX: ");
	sb_fill(&b, 'a', 100 * 1024);
	CU_ASSERT_EQUAL(answer_sb(&b, 0, g, &keep), GH_EUNAVAIL);
	/* A line under the limit is handed over whole. */
	sb_str(&b, "HTTP/1.1 200 OK\r\nX: ");
	sb_fill(&b, 'a', GH_H1_LINE_MAX - 2 - 3);
	sb_str(&b, "\r\nContent-Length: 2\r\n\r\nok");
	CU_ASSERT_EQUAL(answer_sb(&b, 0, g, &keep), GH_OK);
	CU_ASSERT_EQUAL(g->nlines, 4);
	nl = memchr(g->head, '\n', g->headlen);
	CU_ASSERT_FATAL(nl != NULL);
	CU_ASSERT_PTR_EQUAL(memchr(nl + 1, '\n', g->headlen -
	    (size_t)(nl + 1 - g->head)), nl + 1 + GH_H1_LINE_MAX - 2);
	CU_ASSERT(got_body_is(g, "ok", 2));
	/* A chunk size line over the limit. */
	sb_str(&b, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;");
	sb_fill(&b, 'x', GH_H1_LINE_MAX + 10);
	sb_str(&b, "\r\na\r\n0\r\n\r\n");
	CU_ASSERT_EQUAL(answer_sb(&b, 0, g, &keep), GH_EUNAVAIL);
	CU_ASSERT_EQUAL(g->bodylen, 0);
	/* Heads of 60 KiB pass; of 70 KiB do not. */
	sb_str(&b, "HTTP/1.1 200 OK\r\n");
	sb_pad(&b, 60, 1000);
	sb_str(&b, "Content-Length: 2\r\n\r\nok");
	CU_ASSERT_EQUAL(answer_sb(&b, 0, g, &keep), GH_OK);
	CU_ASSERT_EQUAL(g->nlines, 63);
	CU_ASSERT(got_body_is(g, "ok", 2));
	sb_str(&b, "HTTP/1.1 200 OK\r\n");
	sb_pad(&b, 70, 1000);
	sb_str(&b, "Content-Length: 2\r\n\r\nok");
	CU_ASSERT_EQUAL(answer_sb(&b, 0, g, &keep), GH_EUNAVAIL);
	CU_ASSERT_EQUAL(g->bodylen, 0);
	/* 1xx heads count: two heads of 35 KiB each are too much. */
	sb_str(&b, "HTTP/1.1 100 Continue\r\n");
	sb_pad(&b, 35, 1000);
	sb_str(&b, "\r\nHTTP/1.1 200 OK\r\n");
	sb_pad(&b, 35, 1000);
	sb_str(&b, "Content-Length: 2\r\n\r\nok");
	CU_ASSERT_EQUAL(answer_sb(&b, 0, g, &keep), GH_EUNAVAIL);
	CU_ASSERT_EQUAL(g->bodylen, 0);
	/* Endless 100 Continue heads end too. */
	for (i = 0; i < 5000; i++)
		sb_str(&b, "HTTP/1.1 100 Continue\r\n\r\n");
	sb_str(&b, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
	CU_ASSERT_EQUAL(answer_sb(&b, 0, g, &keep), GH_EUNAVAIL);
	CU_ASSERT_EQUAL(g->bodylen, 0);
	free(g);
}

/* Bodies larger than a read, blocking or not, a byte at a time. */
static void
test_answer_big(void)
{
	static const size_t	 sizes[] = { 20000, 1, 40000, 70000, 3 };
	struct got		*g = got_new();
	struct sb		 b = { 0 }, want = { 0 };
	char			 err[GH_H1_ERR_MAX], line[64];
	size_t			 i, j, off;
	int			 keep;

	for (i = 0; i < 300000; i++) {
		line[0] = pattern(i);
		sb_add(&want, line, 1);
	}
	/* Content-Length. */
	snprintf(line, sizeof(line), "Content-Length: %zu\r\n\r\n", want.n);
	sb_str(&b, "HTTP/1.1 200 OK\r\n");
	sb_str(&b, line);
	sb_add(&b, want.p, want.n);
	CU_ASSERT_EQUAL(answer_sb(&b, 0, g, &keep), GH_OK);
	CU_ASSERT(got_body_is(g, want.p, want.n));
	CU_ASSERT_EQUAL(keep, 1);
	/* Chunked, chunks larger and smaller than GH_H1_BUF. */
	sb_str(&b, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
	for (i = 0, off = 0; i < GH_NELEM(sizes); i++) {
		snprintf(line, sizeof(line), "%zx\r\n", sizes[i]);
		sb_str(&b, line);
		sb_add(&b, want.p + off, sizes[i]);
		sb_str(&b, "\r\n");
		off += sizes[i];
	}
	sb_str(&b, "0\r\n\r\n");
	CU_ASSERT_EQUAL(answer_sb(&b, 0, g, &keep), GH_OK);
	CU_ASSERT(got_body_is(g, want.p, off));
	CU_ASSERT_EQUAL(keep, 1);
	/* Until the end, on a non-blocking socket. */
	sb_str(&b, "HTTP/1.1 200 OK\r\n\r\n");
	sb_add(&b, want.p, want.n);
	CU_ASSERT_EQUAL(answer_sb(&b, A_NONBLOCK, g, &keep), GH_OK);
	CU_ASSERT(got_body_is(g, want.p, want.n));
	CU_ASSERT_EQUAL(keep, 0);
	/* A byte at a time, blocking and not: lines cut anywhere. */
	for (j = 0; j < 2; j++) {
		static const char	in[] = "HTTP/1.1 100 Continue\r\n\r\n"
		    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nT: 1\r\n\r\n";

		CU_ASSERT_EQUAL(answer(in, sizeof(in) - 1,
		    A_DRIP | (j ? A_NONBLOCK : 0), 2000, g, &keep, err,
		    sizeof(err)), GH_OK);
		CU_ASSERT(got_head_starts(g, "HTTP/1.1 100 Continue\n\n"
		    "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n"));
		CU_ASSERT(got_body_is(g, "abcde", 5));
		CU_ASSERT_EQUAL(keep, 1);
	}
	sb_free(&want);
	free(g);
}

/* A callback's -1 stops the answer: GH_EIO, and no callback after. */
static void
test_answer_stop(void)
{
	static const struct {
		int		 line;
		const char	*in;
		size_t		 stop_head, stop_body;
		size_t		 nlines, nbody;
	} t[] = {
		{ __LINE__, OK_KEEP, 1, 0, 1, 0 },
		{ __LINE__, OK_KEEP, 2, 0, 2, 0 },
		{ __LINE__, OK_KEEP, 3, 0, 3, 0 },	/* the empty line */
		{ __LINE__, OK_KEEP, 0, 1, 3, 1 },
		{ __LINE__, "HTTP/1.1 100 Continue\r\n\r\n" OK_KEEP, 2, 0, 2,
		    0 },
		{ __LINE__, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
		    "\r\n2\r\nok\r\n3\r\nabc\r\n0\r\n\r\n", 0, 1, 3, 1 },
		{ __LINE__, "HTTP/1.1 200 OK\r\n\r\nuntil the end", 0, 1, 2,
		    1 },
		{ __LINE__, "HTTP/1.1 204 No Content\r\n\r\n", 2, 0, 2, 0 },
	};
	struct got	*g = got_new();
	char		 err[GH_H1_ERR_MAX];
	size_t		 i;
	int		 keep;

	for (i = 0; i < GH_NELEM(t); i++) {
		g->stop_head = t[i].stop_head;
		g->stop_body = t[i].stop_body;
		TROW(t[i].line, answer(t[i].in, strlen(t[i].in), 0, 2000, g,
		    &keep, err, sizeof(err)) == GH_EIO);
		TROW(t[i].line, g->nlines == t[i].nlines);
		TROW(t[i].line, g->nbody == t[i].nbody);
		TROW(t[i].line, !g->late);
	}
	free(g);
}

/* A peer that falls silent, in the head or in the body. */
static void
test_answer_silence(void)
{
	static const char *const	 in[] = {
		"HTTP/1.1 200 OK\r\nContent-",
		"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok",
		"",
	};
	struct got			*g = got_new();
	char				 err[GH_H1_ERR_MAX];
	long long			 t0, ms;
	size_t				 i;
	int				 keep;

	for (i = 0; i < GH_NELEM(in); i++) {
		t0 = tnow_ms();
		CU_ASSERT_EQUAL(answer(in[i], strlen(in[i]),
		    A_OPEN | (i % 2 ? A_NONBLOCK : 0), 200, g, &keep, err,
		    sizeof(err)), GH_ETIMEOUT);
		ms = tnow_ms() - t0;
		CU_ASSERT(ms >= 190 && ms < 1000);
		CU_ASSERT(err[0] != '\0');
	}
	free(g);
}

/* --- a server in a thread ---------------------------------------------- */

#define SRV_MAX		(1024 * 1024)
#define SRV_REQS	8

struct srv_reply {
	const char	*text;		/* NULL: no answer, connection held */
	int		 close;		/* close the connection after it */
	int		 early;		/* answer once the head is in; close */
};

/*
 * The server accepts a connection, reads a request (its head, then a
 * Content-Length or chunked body), answers with the next reply, and goes
 * on with the same connection until a reply says close, the client
 * closes (then it accepts again) or the replies are done.
 */
struct srv {
	int			 family, lfd, wake[2], port;
	int			 stopped;
	pthread_t		 th;
	const struct srv_reply	*reply;
	size_t			 nreply;
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	int			 accepts;	/* connections accepted */
	int			 closes;	/* closed by us after a reply */
	int			 aborted;	/* requests cut off */
	int			 broken;	/* a body badly framed */
	size_t			 nreq;
	size_t			 start[SRV_REQS], head[SRV_REQS], end[SRV_REQS];
	char			 got[SRV_MAX];	/* the requests, in turn */
	size_t			 gotlen;
	char			 body[SRV_MAX];	/* the last one's body */
	size_t			 bodylen;
};

/* A listening TCP socket on loopback (family's), a free port; -1 if none. */
static int
srv_listen(int family, int *port)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t		 len;
	int			 fd, one = 1;

	if ((fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*sin);
	} else {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = in6addr_loopback;
		len = sizeof(*sin6);
	}
	if (bind(fd, (struct sockaddr *)&ss, len) == -1 ||
	    listen(fd, 16) == -1 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) == -1) {
		close(fd);
		return -1;
	}
	*port = ntohs(family == AF_INET ? sin->sin_port : sin6->sin6_port);
	return fd;
}

/* A loopback port nobody listens on. */
static int
dead_port(void)
{
	int	fd, port = 0;

	if ((fd = srv_listen(AF_INET, &port)) != -1)
		close(fd);
	return port;
}

/* 1 when fd (-1: none) may be read; 0 when stopped or after 5 s. */
static int
srv_wait(struct srv *s, int fd)
{
	struct pollfd	pfd[2];

	pfd[0].fd = s->wake[0];
	pfd[0].events = POLLIN;
	pfd[1].fd = fd;
	pfd[1].events = POLLIN;
	if (poll(pfd, fd == -1 ? 1 : 2, 5000) <= 0)
		return 0;
	if (pfd[0].revents != 0)
		return 0;
	return fd != -1 && pfd[1].revents != 0;
}

/* Content-Length and chunked from a request head (len bytes). */
static void
srv_framing(const char *p, size_t len, size_t *cl, int *chunked)
{
	const char	*end = p + len, *nl;
	char		 v[64];
	size_t		 n;

	*cl = 0;
	*chunked = 0;
	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			break;
		n = (size_t)(nl - p);
		if (n > 15 && strncasecmp(p, "content-length:", 15) == 0 &&
		    n - 15 < sizeof(v)) {
			memcpy(v, p + 15, n - 15);
			v[n - 15] = '\0';
			*cl = strtoul(v, NULL, 10);
		} else if (n > 18 &&
		    strncasecmp(p, "transfer-encoding:", 18) == 0 &&
		    n - 18 < sizeof(v)) {
			memcpy(v, p + 18, n - 18);
			v[n - 18] = '\0';
			*chunked = strcasestr(v, "chunked") != NULL;
		}
	}
}

static int
hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/*
 * A chunked body (n bytes so far), strictly: hex size, optional extension,
 * CRLF, data, CRLF; then "0" CRLF CRLF and nothing more.  1 whole (the data
 * in out), 0 more to come, -1 badly framed.
 */
static int
srv_unchunk(const char *p, size_t n, char *out, size_t outsz,
    size_t *outlen)
{
	const char	*le;
	size_t		 pos = 0, i, size;

	*outlen = 0;
	for (;;) {
		if ((le = memmem(p + pos, n - pos, "\r\n", 2)) == NULL)
			return n - pos > 64 ? -1 : 0;
		for (i = pos, size = 0; p + i < le && hexval(p[i]) >= 0; i++) {
			if (size > SRV_MAX)
				return -1;
			size = size * 16 + (size_t)hexval(p[i]);
		}
		if (i == pos || (p + i != le && p[i] != ';'))
			return -1;
		pos = (size_t)(le - p) + 2;
		if (size == 0) {
			if (n - pos < 2)
				return 0;
			if (memcmp(p + pos, "\r\n", 2) != 0)
				return -1;
			return pos + 2 == n ? 1 : -1;
		}
		if (n - pos < size + 2)
			return 0;
		if (memcmp(p + pos + size, "\r\n", 2) != 0 ||
		    *outlen + size > outsz)
			return -1;
		memcpy(out + *outlen, p + pos, size);
		*outlen += size;
		pos += size + 2;
	}
}

/*
 * Read one request from c into s->got.  1 read (recorded); 0 the client
 * closed or reset the connection; -1 stopped.  With early, the head is
 * enough.
 */
static int
srv_read(struct srv *s, int c, int early)
{
	const char	*e;
	size_t		 start = s->gotlen, have = 0, head = 0, cl = 0;
	ssize_t		 n;
	int		 chunked = 0, r;

	for (;;) {
		if (head == 0 && (e = memmem(s->got + start, have, "\r\n\r\n",
		    4)) != NULL) {
			head = (size_t)(e - (s->got + start)) + 4;
			srv_framing(s->got + start, head, &cl, &chunked);
		}
		if (head != 0 && early)
			break;
		if (head != 0 && chunked) {
			r = srv_unchunk(s->got + start + head, have - head,
			    s->body, sizeof(s->body), &s->bodylen);
			if (r == -1)
				s->broken = 1;
			if (r != 0)
				break;
		} else if (head != 0 && have >= head + cl) {
			if (have > head + cl)
				s->broken = 1;
			memcpy(s->body, s->got + start + head, cl);
			s->bodylen = cl;
			break;
		}
		if (start + have >= sizeof(s->got)) {
			s->broken = 1;
			return -1;
		}
		if (!srv_wait(s, c))
			return -1;
		n = recv(c, s->got + start + have, sizeof(s->got) - start -
		    have, 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (have > 0)
				s->aborted++;
			return 0;
		}
		have += (size_t)n;
	}
	pthread_mutex_lock(&s->mu);
	if (s->nreq < SRV_REQS) {
		s->start[s->nreq] = start;
		s->head[s->nreq] = head;
		s->end[s->nreq] = start + have;
	}
	s->nreq++;
	s->gotlen = start + have;
	pthread_mutex_unlock(&s->mu);
	return 1;
}

static void
srv_send(int c, const char *p)
{
	size_t	n = strlen(p);
	ssize_t	w;

	while (n > 0) {
		w = send(c, p, n, MSG_NOSIGNAL);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static void *
srv_run(void *arg)
{
	struct srv	*s = arg;
	size_t		 i = 0;
	int		 c = -1, r;

	while (i < s->nreply) {
		if (c == -1) {
			if (!srv_wait(s, s->lfd))
				break;
			if ((c = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC)) ==
			    -1)
				break;
			pthread_mutex_lock(&s->mu);
			s->accepts++;
			pthread_mutex_unlock(&s->mu);
		}
		if ((r = srv_read(s, c, s->reply[i].early)) == -1)
			break;
		if (r == 0) {
			close(c);
			c = -1;
			continue;
		}
		if (s->reply[i].text == NULL) {
			srv_wait(s, -1);
			break;
		}
		srv_send(c, s->reply[i].text);
		if (s->reply[i].close || s->reply[i].early) {
			close(c);
			c = -1;
			pthread_mutex_lock(&s->mu);
			s->closes++;
			pthread_cond_broadcast(&s->cv);
			pthread_mutex_unlock(&s->mu);
		}
		i++;
	}
	if (c != -1)
		close(c);
	return NULL;
}

/* A server for the n replies on loopback of family; NULL if it cannot. */
static struct srv *
srv_start(int family, const struct srv_reply *reply, size_t n)
{
	struct srv	*s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->family = family;
	s->reply = reply;
	s->nreply = n;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	if ((s->lfd = srv_listen(family, &s->port)) == -1 ||
	    pipe2(s->wake, O_CLOEXEC) == -1 ||
	    pthread_create(&s->th, NULL, srv_run, s) != 0) {
		/* Only the test's set-up fails here: leaks do not matter. */
		free(s);
		return NULL;
	}
	return s;
}

/* Stop the server and wait for its thread; its record stays. */
static void
srv_stop(struct srv *s)
{
	if (s->stopped)
		return;
	s->stopped = 1;
	if (write(s->wake[1], "x", 1) != 1)
		abort();
	pthread_join(s->th, NULL);
	close(s->lfd);
	close(s->wake[0]);
	close(s->wake[1]);
}

/* Stop the server if need be, and free it; NULL is fine. */
static void
srv_free(struct srv *s)
{
	if (s == NULL)
		return;
	srv_stop(s);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	free(s);
}

/* Wait (2 s at most) until the server has closed n connections. */
static int
srv_wait_closes(struct srv *s, int n)
{
	struct timespec	ts;
	int		ok;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 2;
	pthread_mutex_lock(&s->mu);
	while (s->closes < n &&
	    pthread_cond_timedwait(&s->cv, &s->mu, &ts) == 0)
		;
	ok = s->closes >= n;
	pthread_mutex_unlock(&s->mu);
	return ok;
}

/* Request i as received (after srv_stop): its bytes, length, head length. */
static const char *
srv_req(const struct srv *s, size_t i, size_t *len, size_t *head)
{
	CU_ASSERT_FATAL(i < s->nreq && i < SRV_REQS);
	*len = s->end[i] - s->start[i];
	*head = s->head[i];
	return s->got + s->start[i];
}

/* How many lines of the head (len bytes) have the header name. */
static int
hdr_count(const char *p, size_t len, const char *name)
{
	const char	*end = p + len, *nl;
	size_t		 n = strlen(name);
	int		 count = 0;

	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			break;
		if ((size_t)(nl - p) > n && p[n] == ':' &&
		    strncasecmp(p, name, n) == 0)
			count++;
	}
	return count;
}

/* 1 when every LF of p (len bytes) ends a CRLF and s occurs in it. */
static int
has(const char *p, size_t len, const char *s)
{
	return memmem(p, len, s, strlen(s)) != NULL;
}

static int
crlf_only(const char *p, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if ((p[i] == '\n' && (i == 0 || p[i - 1] != '\r')) ||
		    (p[i] == '\r' && (i + 1 == len || p[i + 1] != '\n')))
			return 0;
	return 1;
}

/* --- requests --------------------------------------------------------- */

/* Block SIGPIPE in this thread, so that one raised stays pending. */
static void
pipe_block(sigset_t *old)
{
	sigset_t	set;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, old);
}

/* 1 when a SIGPIPE came while blocked (it is taken); the mask restored. */
static int
pipe_unblock(const sigset_t *old)
{
	struct timespec	 zero = { 0, 0 };
	sigset_t	 set, pend;
	int		 had;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	sigpending(&pend);
	had = sigismember(&pend, SIGPIPE) == 1;
	while (had && sigtimedwait(&set, NULL, &zero) == SIGPIPE)
		;
	pthread_sigmask(SIG_SETMASK, old, NULL);
	return had;
}

/*
 * gh_h1_request, its callbacks' record rearmed first; a SIGPIPE raised
 * by it (the library must not kill its process) is a failure.
 */
static enum gh_err
request(struct gh_h1 *c, const struct gh_h1_req *r, char *err, size_t errsz)
{
	sigset_t	 old;
	enum gh_err	 rc;

	got_rearm(r->arg);
	if (errsz > 0)
		err[0] = '\0';
	pipe_block(&old);
	rc = gh_h1_request(c, r, err, errsz);
	CU_ASSERT(!pipe_unblock(&old));
	return rc;
}

/* Enough plain kept-alive answers for any test: pass how many to use. */
static const struct srv_reply	 oks[] = {
	{ OK_KEEP, 0, 0 }, { OK_KEEP, 0, 0 }, { OK_KEEP, 0, 0 },
	{ OK_KEEP, 0, 0 }, { OK_KEEP, 0, 0 }, { OK_KEEP, 0, 0 },
	{ OK_KEEP, 0, 0 }, { OK_KEEP, 0, 0 }
};

/*
 * What a request test works with: a client, the callbacks' record, the
 * test's server (NULL until fix_serve) and a request r for url.
 */
struct fix {
	struct gh_h1		 c;
	struct got		*g;
	struct srv		*s;
	struct gh_h1_req	 r;
	char			 url[128];
	char			 err[GH_H1_ERR_MAX];
};

/* A fresh client and record, no server yet. */
static void
fix_init(struct fix *f)
{
	memset(f, 0, sizeof(*f));
	f->g = got_new();
	gh_h1_init(&f->c);
}

/* A server on loopback for the n replies; the one before is freed. */
static void
fix_serve(struct fix *f, int family, const struct srv_reply *reply,
    size_t n)
{
	srv_free(f->s);
	CU_ASSERT_FATAL((f->s = srv_start(family, reply, n)) != NULL);
}

/* r: req_to() of http://host:port followed by path. */
static void
fix_url(struct fix *f, const char *host, int port, const char *path)
{
	snprintf(f->url, sizeof(f->url), "http://%s:%d%s", host, port, path);
	f->r = req_to(f->url, f->g);
}

/* r: req_to() of path on the server s (by its loopback address). */
static void
fix_to(struct fix *f, const struct srv *s, const char *path)
{
	fix_url(f, s->family == AF_INET6 ? "[::1]" : "127.0.0.1", s->port,
	    path);
}

/* fix_init, fix_serve, and r for path on that server. */
static void
fix_start(struct fix *f, int family, const struct srv_reply *reply,
    size_t n, const char *path)
{
	fix_init(f);
	fix_serve(f, family, reply, n);
	fix_to(f, f->s, path);
}

/* request() of r by the client, its message into err. */
static enum gh_err
fix_run(struct fix *f)
{
	return request(&f->c, &f->r, f->err, sizeof(f->err));
}

/* Free the client, the server (stopped if need be) and the record. */
static void
fix_end(struct fix *f)
{
	gh_h1_free(&f->c);
	srv_free(f->s);
	free(f->g);
	f->s = NULL;
	f->g = NULL;
}

/* The bytes of a GET on the wire, for several forms of URL. */
static void
test_request_get(void)
{
	static const struct {
		int		 line;
		const char	*method;
		const char	*path;	/* after http://127.0.0.1:PORT */
		const char	*first;	/* the request line */
	} t[] = {
		{ __LINE__, "GET", "/path?q=1", "GET /path?q=1 HTTP/1.1\r\n" },
		{ __LINE__, "GET", "", "GET / HTTP/1.1\r\n" },
		{ __LINE__, "GET", "/", "GET / HTTP/1.1\r\n" },
		{ __LINE__, "GET", "?x=1", "GET /?x=1 HTTP/1.1\r\n" },
		{ __LINE__, "GET", "/a/b%20c/;p?x=1&y=%2F",
		    "GET /a/b%20c/;p?x=1&y=%2F HTTP/1.1\r\n" },
		{ __LINE__, "PROPFIND", "/dav/",
		    "PROPFIND /dav/ HTTP/1.1\r\n" },
		{ __LINE__, "DELETE", "/x", "DELETE /x HTTP/1.1\r\n" },
	};
	static const char	 hdrs[] = "Accept: */*\r\nX-Trace: a b\r\n";
	struct fix		 f;
	const char		*p;
	char			 host[64];
	size_t			 i, len, head;

	CU_ASSERT_FATAL(GH_NELEM(t) <= GH_NELEM(oks));
	fix_start(&f, AF_INET, oks, GH_NELEM(t), "");
	for (i = 0; i < GH_NELEM(t); i++) {
		fix_to(&f, f.s, t[i].path);
		f.r.method = t[i].method;
		f.r.headers = hdrs;
		f.r.headers_len = strlen(hdrs);
		TROW(t[i].line, fix_run(&f) == GH_OK);
		TROW(t[i].line, f.c.answered);
		TROW(t[i].line, got_head_is(f.g, "HTTP/1.1 200 OK\n"
		    "Content-Length: 2\n\n"));
		TROW(t[i].line, got_body_is(f.g, "ok", 2));
		TROW(t[i].line, f.g->nread == 0);
	}
	srv_stop(f.s);
	snprintf(host, sizeof(host), "\r\nHost: 127.0.0.1:%d\r\n", f.s->port);
	CU_ASSERT_EQUAL(f.s->nreq, GH_NELEM(t));
	CU_ASSERT_EQUAL(f.s->accepts, 1);
	for (i = 0; i < GH_NELEM(t) && i < f.s->nreq; i++) {
		p = srv_req(f.s, i, &len, &head);
		TROW(t[i].line, len == head);	/* no body */
		TROW(t[i].line, strncmp(p, t[i].first, strlen(t[i].first)) ==
		    0);
		TROW(t[i].line, has(p, len, host));
		TROW(t[i].line, hdr_count(p, len, "host") == 1);
		TROW(t[i].line, has(p, len, "\r\nAccept: */*\r\nX-Trace: a b"
		    "\r\n"));
		TROW(t[i].line, hdr_count(p, len, "content-length") == 0);
		TROW(t[i].line, hdr_count(p, len, "transfer-encoding") == 0);
		TROW(t[i].line, crlf_only(p, len));
		TROW(t[i].line, len >= 4 &&
		    memcmp(p + len - 4, "\r\n\r\n", 4) == 0);
	}
	CU_ASSERT_FALSE(f.s->broken);
	fix_end(&f);
}

/* Request bodies: Content-Length when known, chunked when not. */
static void
test_request_body(void)
{
	static const char	 text[] = "hello chunked world, in pieces";
	static const struct {
		int		 line;
		const char	*src;	/* NULL: gen bytes of pattern() */
		size_t		 gen;
		long long	 body_len;
		size_t		 piece;
	} t[] = {
		{ __LINE__, text, 0, sizeof(text) - 1, 4 },
		{ __LINE__, text, 0, sizeof(text) - 1, 0 },
		{ __LINE__, text, 0, -1, 4 },
		{ __LINE__, text, 0, -1, 1 },
		{ __LINE__, text, 0, -1, 0 },
		{ __LINE__, "", 0, 0, 0 },
		{ __LINE__, "", 0, -1, 0 },
		{ __LINE__, NULL, 300000, 300000, 0 },
		{ __LINE__, NULL, 300000, -1, 0 },
		{ __LINE__, NULL, 300000, -1, 7000 },
	};
	struct fix		 f;
	const char		*p;
	char			*want, cl[64];
	size_t			 i, j, len, head, n;

	want = malloc(300000);
	CU_ASSERT_FATAL(want != NULL);
	for (j = 0; j < 300000; j++)
		want[j] = pattern(j);
	fix_init(&f);
	for (i = 0; i < GH_NELEM(t); i++) {
		/* A new server for each: its record is this body alone. */
		fix_serve(&f, AF_INET, oks, 1);
		fix_to(&f, f.s, "/up");
		f.r.method = t[i].body_len == -1 ? "PUT" : "POST";
		f.r.headers = "Content-Type: text/plain\r\n";
		f.r.headers_len = strlen(f.r.headers);
		f.r.has_body = 1;
		f.r.body_len = t[i].body_len;
		f.g->src = t[i].src;
		f.g->srclen = t[i].src != NULL ? strlen(t[i].src) : 0;
		f.g->gen = t[i].gen;
		f.g->piece = t[i].piece;
		n = t[i].src != NULL ? f.g->srclen : t[i].gen;
		TROW(t[i].line, fix_run(&f) == GH_OK);
		TROW(t[i].line, got_body_is(f.g, "ok", 2));
		/* All of it pulled; the end seen when there is no length. */
		TROW(t[i].line, f.g->srcoff == n && !f.g->read_after_end);
		if (t[i].body_len < 0)
			TROW(t[i].line, f.g->ended);
		srv_stop(f.s);
		TROW(t[i].line, f.s->nreq == 1 && !f.s->broken);
		if (f.s->nreq != 1)
			continue;
		p = srv_req(f.s, 0, &len, &head);
		TROW(t[i].line, f.s->bodylen == n && memcmp(f.s->body,
		    t[i].src != NULL ? t[i].src : want, n) == 0);
		TROW(t[i].line, crlf_only(p, head));
		TROW(t[i].line, has(p, head,
		    "\r\nContent-Type: text/plain\r\n"));
		if (t[i].body_len >= 0) {
			snprintf(cl, sizeof(cl), "\r\nContent-Length: %lld\r\n",
			    t[i].body_len);
			TROW(t[i].line, has(p, head, cl));
			TROW(t[i].line, hdr_count(p, head, "content-length") ==
			    1);
			TROW(t[i].line, hdr_count(p, head,
			    "transfer-encoding") == 0);
			TROW(t[i].line, len == head + n);
		} else {
			TROW(t[i].line, has(p, head,
			    "\r\nTransfer-Encoding: chunked\r\n"));
			TROW(t[i].line, hdr_count(p, head,
			    "transfer-encoding") == 1);
			TROW(t[i].line, hdr_count(p, head, "content-length") ==
			    0);
			TROW(t[i].line, len >= head + 5 && memcmp(p + len - 5,
			    "0\r\n\r\n", 5) == 0);
		}
	}
	fix_end(&f);
	free(want);
}

/*
 * Connections: two requests share one; one the server closed while idle
 * is replaced; one after "Connection: close" is not reused; HEAD leaves
 * it usable.
 */
static void
test_request_reuse(void)
{
	static const struct {
		int			 line;
		struct srv_reply	 reply[2];
		const char		*method[2];
		int			 wait_close;	/* before the second */
		int			 accepts;
	} t[] = {
		{ __LINE__, { { OK_KEEP, 0, 0 }, { OK_KEEP, 0, 0 } },
		    { "GET", "GET" }, 0, 1 },
		{ __LINE__, { { OK_KEEP, 1, 0 }, { OK_KEEP, 0, 0 } },
		    { "GET", "GET" }, 1, 2 },
		{ __LINE__, { { OK_CLOSE, 1, 0 }, { OK_KEEP, 0, 0 } },
		    { "GET", "GET" }, 0, 2 },
		{ __LINE__, { { "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n"
		    "\r\nok", 1, 0 }, { OK_KEEP, 0, 0 } }, { "GET", "GET" }, 0,
		    2 },
		{ __LINE__, { { "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n"
		    "\r\n", 0, 0 }, { OK_KEEP, 0, 0 } }, { "HEAD", "GET" }, 0,
		    1 },
		{ __LINE__, { { "HTTP/1.1 204 No Content\r\n\r\n", 0, 0 },
		    { OK_KEEP, 0, 0 } }, { "DELETE", "GET" }, 0, 1 },
		{ __LINE__, { { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked"
		    "\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 0, 0 },
		    { OK_KEEP, 0, 0 } }, { "GET", "GET" }, 0, 1 },
	};
	struct fix	 f;
	size_t		 i;

	for (i = 0; i < GH_NELEM(t); i++) {
		fix_start(&f, AF_INET, t[i].reply, 2, "/r");
		f.r.method = t[i].method[0];
		TROW(t[i].line, fix_run(&f) == GH_OK);
		TROW(t[i].line, f.g->nlines >= 2 && f.g->last_empty);
		if (strcmp(f.r.method, "HEAD") == 0)
			TROW(t[i].line, f.g->nbody == 0);
		if (t[i].wait_close)
			TROW(t[i].line, srv_wait_closes(f.s, 1));
		f.r.method = t[i].method[1];
		TROW(t[i].line, fix_run(&f) == GH_OK);
		TROW(t[i].line, got_body_is(f.g, "ok", 2));
		srv_stop(f.s);
		TROW(t[i].line, f.s->nreq == 2);
		TROW(t[i].line, f.s->accepts == t[i].accepts);
		TROW(t[i].line, f.s->aborted == 0);
		fix_end(&f);
	}
}

/*
 * A kept connection the server closed while idle, then a request with a
 * body: it is sent again on a new connection only if none of the body
 * was taken yet, so either it arrives whole or the request fails; never
 * is the body pulled again after its end.
 */
static void
test_request_reuse_body(void)
{
	static const struct srv_reply	 reply[] = {
		{ OK_KEEP, 1, 0 }, { OK_KEEP, 0, 0 }
	};
	struct fix			 f;
	enum gh_err			 rc;

	fix_start(&f, AF_INET, reply, 2, "/r");
	CU_ASSERT_EQUAL(fix_run(&f), GH_OK);
	CU_ASSERT(srv_wait_closes(f.s, 1));
	f.r.method = "POST";
	f.r.has_body = 1;
	f.r.body_len = 3;
	f.g->src = "abc";
	f.g->srclen = 3;
	rc = fix_run(&f);
	CU_ASSERT(rc == GH_OK || rc == GH_EUNAVAIL);
	CU_ASSERT_FALSE(f.g->read_after_end);
	srv_stop(f.s);
	if (rc == GH_OK) {
		CU_ASSERT_EQUAL(f.s->nreq, 2);
		CU_ASSERT(f.s->bodylen == 3 &&
		    memcmp(f.s->body, "abc", 3) == 0);
		CU_ASSERT(got_body_is(f.g, "ok", 2));
	} else
		CU_ASSERT(f.err[0] != '\0');
	CU_ASSERT_FALSE(f.s->broken);
	fix_end(&f);
}

/* GH_H1_CONNS connections are kept; the least recently used one goes. */
static void
test_request_lru(void)
{
	/* Which server each request goes to, in turn. */
	static const size_t	 order[] = { 0, 1, 2, 3, 0, 4, 1, 0 };
	static const int	 accepts[] = { 1, 2, 1, 1, 1 };
	struct fix		 f;
	struct srv		*s[5];
	char			 path[32];
	size_t			 i;

	CU_ASSERT_FATAL(GH_H1_CONNS == 4);
	for (i = 0; i < GH_NELEM(s); i++)
		CU_ASSERT_FATAL((s[i] = srv_start(AF_INET, oks, 3)) != NULL);
	fix_init(&f);
	for (i = 0; i < GH_NELEM(order); i++) {
		snprintf(path, sizeof(path), "/%zu", i);
		fix_to(&f, s[order[i]], path);
		CU_ASSERT_EQUAL(fix_run(&f), GH_OK);
	}
	for (i = 0; i < GH_NELEM(s); i++) {
		srv_stop(s[i]);
		CU_ASSERT_EQUAL(s[i]->accepts, accepts[i]);
		srv_free(s[i]);
	}
	fix_end(&f);
}

/*
 * The address policy: a denied address is never connected to (the
 * server sees nothing), and c->refused names it; allowed, it is.
 */
static void
test_request_policy(void)
{
	struct gh_netpol	 deny, deny_all, allow;
	struct fix		 f;
	char			 why[256];
	int			 n0;

	CU_ASSERT_FATAL(gh_netpol_init(&deny, "", "127.0.0.0/8", why,
	    sizeof(why)) == GH_OK);
	CU_ASSERT_FATAL(gh_netpol_init(&deny_all, "", "0.0.0.0/0, ::/0", why,
	    sizeof(why)) == GH_OK);
	CU_ASSERT_FATAL(gh_netpol_init(&allow, "127.0.0.1/32", "127.0.0.0/8",
	    why, sizeof(why)) == GH_OK);
	fix_start(&f, AF_INET, oks, 1, "/x");
	n0 = tcount_fds();
	f.r.policy = &deny;
	CU_ASSERT_EQUAL(fix_run(&f), GH_EFORBIDDEN);
	CU_ASSERT_STRING_EQUAL(f.c.refused, "127.0.0.1");
	CU_ASSERT(f.err[0] != '\0');
	CU_ASSERT_EQUAL(f.g->nlines, 0);
	CU_ASSERT_EQUAL(f.c.answered, 0);
	CU_ASSERT_EQUAL(tcount_fds(), n0);
	/* By name: every address of localhost refused. */
	fix_url(&f, "localhost", f.s->port, "/x");
	f.r.policy = &deny_all;
	memset(f.c.refused, 0, sizeof(f.c.refused));
	CU_ASSERT_EQUAL(fix_run(&f), GH_EFORBIDDEN);
	CU_ASSERT(strcmp(f.c.refused, "127.0.0.1") == 0 ||
	    strcmp(f.c.refused, "::1") == 0);
	/* Allowed: the same server answers. */
	fix_to(&f, f.s, "/y");
	f.r.policy = &allow;
	CU_ASSERT_EQUAL(fix_run(&f), GH_OK);
	CU_ASSERT(got_body_is(f.g, "ok", 2));
	srv_stop(f.s);
	/* Only the allowed request reached the server. */
	CU_ASSERT_EQUAL(f.s->accepts, 1);
	CU_ASSERT_EQUAL(f.s->nreq, 1);
	fix_end(&f);
}

/*
 * Nobody listening; nobody answering; an answer cut off.  c->answered
 * tells a broken answer from a broken connection.
 */
static void
test_request_unavail(void)
{
	static const struct srv_reply	 hold[] = { { NULL, 0, 0 } };
	static const struct srv_reply	 cut[] = {
		{ "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 1, 0 }
	};
	struct fix			 f;
	long long			 t0, ms;
	int				 n0;

	fix_init(&f);
	n0 = tcount_fds();
	fix_url(&f, "127.0.0.1", dead_port(), "/x");
	CU_ASSERT_EQUAL(fix_run(&f), GH_EUNAVAIL);
	CU_ASSERT(f.err[0] != '\0');
	CU_ASSERT_EQUAL(f.g->nlines, 0);
	CU_ASSERT_EQUAL(f.c.answered, 0);
	CU_ASSERT_EQUAL(request(&f.c, &f.r, NULL, 0), GH_EUNAVAIL);
	CU_ASSERT_EQUAL(tcount_fds(), n0);
	/* Connected, but the server never answers. */
	fix_serve(&f, AF_INET, hold, 1);
	fix_to(&f, f.s, "/x");
	f.r.silence_ms = 200;
	t0 = tnow_ms();
	CU_ASSERT_EQUAL(fix_run(&f), GH_ETIMEOUT);
	ms = tnow_ms() - t0;
	CU_ASSERT(ms >= 190 && ms < 1500);
	CU_ASSERT(f.err[0] != '\0');
	CU_ASSERT_EQUAL(f.c.answered, 0);
	srv_stop(f.s);
	CU_ASSERT_EQUAL(f.s->nreq, 1);
	/* Part of an answer, then the connection closed. */
	fix_serve(&f, AF_INET, cut, 1);
	fix_to(&f, f.s, "/x");
	CU_ASSERT_EQUAL(fix_run(&f), GH_EUNAVAIL);
	CU_ASSERT_EQUAL(f.c.answered, 1);
	CU_ASSERT(f.g->bodylen <= 3);
	srv_stop(f.s);
	fix_end(&f);
	CU_ASSERT_EQUAL(tcount_fds(), n0);
}

/* URLs that are not http://host[:port]...: nothing is sent. */
static void
test_request_url(void)
{
	static const struct {
		int		 line;
		const char	*url;
		const char	*path;	/* non-NULL: url, the port, path */
	} t[] = {
		{ __LINE__, "https://x/", NULL },
		{ __LINE__, "HTTPS://x/", NULL },
		{ __LINE__, "ftp://x", NULL },
		{ __LINE__, "http://", NULL },
		{ __LINE__, "http:///x", NULL },
		{ __LINE__, "", NULL },
		{ __LINE__, "http:/x", NULL },
		{ __LINE__, "http//x/", NULL },
		{ __LINE__, "x", NULL },
		{ __LINE__, "http://:8080/", NULL },
		{ __LINE__, "http://host:99999/", NULL },
		{ __LINE__, "http://host:65536/", NULL },
		{ __LINE__, "http://host:18446744073709551696/", NULL },
		{ __LINE__, "http://host:abc/", NULL },
		{ __LINE__, "http://host:-1/", NULL },
		{ __LINE__, "http://host:80x/", NULL },
		{ __LINE__, "http://[::1/", NULL },
		/* Line ends or blanks would split the request. */
		{ __LINE__, "http://127.0.0.1:", "/a\r\nX-Injected: 1" },
		{ __LINE__, "http://127.0.0.1:", "/a\nb" },
		{ __LINE__, "http://127.0.0.1:", "/a b" },
		{ __LINE__, "http://127.0.0.1:", "\r\n/" },
	};
	struct fix	 f;
	struct sb	 b = { 0 };
	size_t		 i;
	int		 lfd, port, fl;

	CU_ASSERT_FATAL((lfd = srv_listen(AF_INET, &port)) != -1);
	fl = fcntl(lfd, F_GETFL);
	CU_ASSERT_FATAL(fcntl(lfd, F_SETFL, fl | O_NONBLOCK) == 0);
	fix_init(&f);
	for (i = 0; i < GH_NELEM(t); i++) {
		if (t[i].path != NULL)
			snprintf(f.url, sizeof(f.url), "%s%d%s", t[i].url,
			    port, t[i].path);
		else
			snprintf(f.url, sizeof(f.url), "%s", t[i].url);
		f.r = req_to(f.url, f.g);
		f.r.silence_ms = 100;	/* should it be sent, nobody answers */
		TROW(t[i].line, fix_run(&f) == GH_EINVAL);
		TROW(t[i].line, f.err[0] != '\0');
		TROW(t[i].line, f.g->nlines == 0);
	}
	/* A host one byte over GH_H1_HOST_MAX. */
	sb_str(&b, "http://");
	sb_fill(&b, 'a', GH_H1_HOST_MAX + 1);
	sb_add(&b, "/", 2);
	f.r = req_to(b.p, f.g);
	CU_ASSERT_EQUAL(fix_run(&f), GH_EINVAL);
	sb_free(&b);
	/* Nothing connected. */
	CU_ASSERT_EQUAL(accept(lfd, NULL, NULL), -1);
	CU_ASSERT(errno == EAGAIN || errno == EWOULDBLOCK);
	close(lfd);
	fix_end(&f);
}

/*
 * IPv6 loopback, "[::1]" in the URL and in Host.  This machine can bind
 * ::1 (checked when the test was written), so the case is always run.
 */
static void
test_request_ipv6(void)
{
	struct fix	 f;
	const char	*p;
	char		 host[64];
	size_t		 len, head;

	fix_start(&f, AF_INET6, oks, 1, "/v6?a=b");
	CU_ASSERT_EQUAL(fix_run(&f), GH_OK);
	CU_ASSERT(got_body_is(f.g, "ok", 2));
	srv_stop(f.s);
	CU_ASSERT_EQUAL_FATAL(f.s->nreq, 1);
	p = srv_req(f.s, 0, &len, &head);
	CU_ASSERT(strncmp(p, "GET /v6?a=b HTTP/1.1\r\n", 22) == 0);
	snprintf(host, sizeof(host), "\r\nHost: [::1]:%d\r\n", f.s->port);
	CU_ASSERT(has(p, len, host));
	fix_end(&f);
}

/*
 * A callback's -1 ends the request with GH_EIO and closes its
 * connection; the client goes on with a new one.
 */
static void
test_request_stop(void)
{
	struct fix	 f;
	int		 n0;

	n0 = tcount_fds();
	fix_start(&f, AF_INET, oks, 5, "/s");
	CU_ASSERT_EQUAL(fix_run(&f), GH_OK);
	f.g->stop_head = 1;
	CU_ASSERT_EQUAL(fix_run(&f), GH_EIO);
	CU_ASSERT(f.g->nlines == 1 && !f.g->late);
	f.g->stop_head = 0;
	f.g->stop_body = 1;
	CU_ASSERT_EQUAL(fix_run(&f), GH_EIO);
	CU_ASSERT(f.g->nbody == 1 && !f.g->late);
	f.g->stop_body = 0;
	/* on_read's -1: nothing of the answer is read. */
	f.r.method = "POST";
	f.r.has_body = 1;
	f.r.body_len = -1;
	f.g->src = "abcdef";
	f.g->srclen = 6;
	f.g->piece = 2;
	f.g->fail_read = 2;
	CU_ASSERT_EQUAL(fix_run(&f), GH_EIO);
	CU_ASSERT(f.g->nread == 2 && f.g->nlines == 0);
	f.r = req_to(f.url, f.g);
	f.g->fail_read = 0;
	CU_ASSERT_EQUAL(fix_run(&f), GH_OK);
	CU_ASSERT(got_body_is(f.g, "ok", 2));
	srv_stop(f.s);
	/*
	 * 1 for the first two, 1 after each -1 of on_head and on_body (and 1
	 * for the request whose on_read stopped, if it had connected yet).
	 */
	CU_ASSERT(f.s->accepts == 3 || f.s->accepts == 4);
	CU_ASSERT_EQUAL(f.s->nreq, 4);
	/* The last connection is kept; those stopped were closed. */
	CU_ASSERT_EQUAL(tcount_fds(), n0 + 1);
	fix_end(&f);
	CU_ASSERT_EQUAL(tcount_fds(), n0);
}

/*
 * A server that answers before the body is in and closes: the client's
 * writes then fail, and it must not raise SIGPIPE (request() checks).
 */
static void
test_request_sigpipe(void)
{
	static const struct srv_reply	 reply[] = {
		{ "HTTP/1.1 413 Too Large\r\nContent-Length: 0\r\n"
		    "Connection: close\r\n\r\n", 0, 1 }
	};
	struct fix			 f;
	enum gh_err			 rc;

	fix_start(&f, AF_INET, reply, 1, "/big");
	f.r.method = "PUT";
	f.r.has_body = 1;
	f.r.body_len = 64LL * 1024 * 1024;
	f.g->gen = 64 * 1024 * 1024;
	rc = fix_run(&f);
	CU_ASSERT(rc == GH_OK || rc == GH_EUNAVAIL);
	srv_stop(f.s);
	CU_ASSERT_EQUAL(f.s->nreq, 1);
	fix_end(&f);
}

/* gh_h1_free: on a zeroed client, twice, and no descriptor left. */
static void
test_free(void)
{
	struct gh_h1	 c;
	struct fix	 f;
	struct srv	*s[2];
	size_t		 i;
	int		 n0, fd;

	/* A zeroed client's fds are 0: descriptor 0 must survive it. */
	if (fcntl(0, F_GETFD) == -1) {
		fd = open("/dev/null", O_RDONLY);
		CU_ASSERT_FATAL(fd == 0);
	}
	n0 = tcount_fds();
	memset(&c, 0, sizeof(c));
	gh_h1_free(&c);
	gh_h1_free(&c);
	CU_ASSERT(fcntl(0, F_GETFD) != -1);
	CU_ASSERT_EQUAL(tcount_fds(), n0);
	gh_h1_init(&c);
	gh_h1_free(&c);
	gh_h1_free(&c);
	CU_ASSERT(fcntl(0, F_GETFD) != -1);
	CU_ASSERT_EQUAL(tcount_fds(), n0);
	/* Two kept connections, then freed (by fix_end, then again). */
	for (i = 0; i < GH_NELEM(s); i++)
		CU_ASSERT_FATAL((s[i] = srv_start(AF_INET, oks, 2)) != NULL);
	fix_init(&f);
	for (i = 0; i < 4; i++) {
		fix_to(&f, s[i % 2], "/f");
		CU_ASSERT_EQUAL(fix_run(&f), GH_OK);
	}
	for (i = 0; i < GH_NELEM(s); i++) {
		srv_stop(s[i]);
		CU_ASSERT_EQUAL(s[i]->accepts, 1);
		srv_free(s[i]);
	}
	CU_ASSERT_EQUAL(tcount_fds(), n0 + 2);
	fix_end(&f);
	CU_ASSERT_EQUAL(tcount_fds(), n0);
	gh_h1_free(&f.c);
	CU_ASSERT_EQUAL(tcount_fds(), n0);
	CU_ASSERT(fcntl(0, F_GETFD) != -1);
}

static const struct tcase tests[] = {
	TCASE(test_answer_ok),
	TCASE(test_answer_bad),
	TCASE(test_answer_limits),
	TCASE(test_answer_big),
	TCASE(test_answer_stop),
	TCASE(test_answer_silence),
	TCASE(test_request_get),
	TCASE(test_request_body),
	TCASE(test_request_reuse),
	TCASE(test_request_reuse_body),
	TCASE(test_request_lru),
	TCASE(test_request_policy),
	TCASE(test_request_unavail),
	TCASE(test_request_url),
	TCASE(test_request_ipv6),
	TCASE(test_request_stop),
	TCASE(test_request_sigpipe),
	TCASE(test_free),
};

TMAIN("h1", tests)
