/* SPDX-License-Identifier: ISC */
/*
 * h1: the HTTP/1.1 client of h1.h.  Sockets are non-blocking; every wait
 * is a poll() bounded by the silence limit, so a stalled upstream costs at
 * most that long per step.  The answer is read into one buffer, c->in:
 * head lines are handed over from it in place, body bytes pushed out of it
 * as they come.  The head's framing fields (Content-Length,
 * Transfer-Encoding, Connection) are read strictly, RFC 9112 section 6:
 * a Transfer-Encoding wins over a Content-Length and forbids reuse of the
 * connection, conflicting lengths are a malformed answer, and a head line
 * with white space before its colon frames nothing.
 */
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ascii.h"
#include "h1.h"
#include "util.h"

/* How an answer's body is framed. */
enum frame {
	FRAME_NONE,	/* HEAD, 204, 304 */
	FRAME_LENGTH,	/* Content-Length */
	FRAME_CHUNKED,
	FRAME_CLOSE	/* until the upstream closes */
};

/* What the head of an answer says about the answer. */
struct head {
	int		 status;
	int		 http10;	/* HTTP/1.0: no reuse */
	int		 close;		/* Connection: close */
	int		 te;		/* a Transfer-Encoding came */
	int		 chunked;	/* and chunked was its last coding */
	long long	 length;	/* Content-Length; -1: none */
};

/* Where a URL points: the parts a request needs. */
struct target {
	char		 host[GH_H1_HOST_MAX + 1];	/* no brackets */
	char		 port[6];
	const char	*authority;	/* borrowed from the URL: for Host */
	size_t		 authority_len;
	const char	*path;		/* borrowed: "/…", "?…" or "" */
};

/* One exchange. */
struct xfer {
	struct gh_h1		*c;
	const struct gh_h1_req	*req;
	int			 fd;
	int			 got;	/* bytes of the answer came */
	int			 pulled; /* on_read was called */
	int			 cut;	/* the request was not sent whole */
	int			 sent;	/* just sent: no answer can be there */
	int			 interim; /* a 1xx came while sending */
	char			*err;
	size_t			 errsz;
};

static enum gh_err	 fail(struct xfer *, enum gh_err, const char *, ...)
			    __attribute__((format(printf, 3, 4)));

/* Say why in x's error buffer; returns err. */
static enum gh_err
fail(struct xfer *x, enum gh_err err, const char *fmt, ...)
{
	va_list	ap;

	if (x->errsz > 0) {
		va_start(ap, fmt);
		vsnprintf(x->err, x->errsz, fmt, ap);
		va_end(ap);
	}
	return err;
}

/* Wait up to ms (<= 0: for ever) for events on fd: revents, 0 on timeout. */
static int
wait_fd(int fd, short events, int ms)
{
	struct pollfd	p = { .fd = fd, .events = events };
	int		n;

	while ((n = poll(&p, 1, ms > 0 ? ms : -1)) < 0 && errno == EINTR)
		;
	return n > 0 ? p.revents : n;
}

void
gh_h1_init(struct gh_h1 *c)
{
	memset(c, 0, sizeof(*c));
}

static void
conn_close(struct gh_h1_conn *k)
{
	if (k->host[0] != '\0')
		close(k->fd);
	memset(k, 0, sizeof(*k));
}

void
gh_h1_free(struct gh_h1 *c)
{
	size_t	i;

	for (i = 0; i < GH_H1_CONNS; i++)
		conn_close(&c->conn[i]);
}

/* --- the URL -------------------------------------------------------------- */

/* 1 when s (n bytes) is a port, 1 to 65535, copied into port. */
static int
port_parse(const char *s, size_t n, char port[6])
{
	size_t	i;
	long	v = 0;

	if (n == 0 || n > 5)
		return 0;
	for (i = 0; i < n; i++) {
		if (!gh_ascii_isdigit((unsigned char)s[i]))
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return 0;
	memcpy(port, s, n);
	port[n] = '\0';
	return 1;
}

/* "http://host[:port][/path][?query]" into t; 0 when it is not that. */
static int
target_parse(const char *url, struct target *t)
{
	const char	*a, *end, *h, *hend, *after;
	size_t		 i, n;

	if (!gh_ascii_caseeq(url, "http://", 7))	/* stops at a NUL */
		return 0;
	a = url + 7;
	end = a + strcspn(a, "/?#");
	if (*end == '#')
		return 0;
	if (*a == '[') {
		h = a + 1;
		if ((hend = memchr(h, ']', (size_t)(end - h))) == NULL)
			return 0;
		after = hend + 1;
	} else {
		h = a;
		if ((hend = memchr(h, ':', (size_t)(end - h))) == NULL)
			hend = end;
		after = hend;
	}
	n = (size_t)(hend - h);
	if (n == 0 || n > GH_H1_HOST_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)h[i] <= ' ' || (unsigned char)h[i] >= 0x7f ||
		    strchr("@[]\\", h[i]) != NULL)
			return 0;
	memcpy(t->host, h, n);
	t->host[n] = '\0';
	if (after == end)
		gh_strlcpy(t->port, "80", sizeof(t->port));
	else if (*after != ':' || !port_parse(after + 1,
	    (size_t)(end - after - 1), t->port))
		return 0;
	/* The path and query go into the request line as they are. */
	for (i = 0; end[i] != '\0'; i++)
		if ((unsigned char)end[i] <= ' ' ||
		    (unsigned char)end[i] >= 0x7f)
			return 0;
	t->authority = a;
	t->authority_len = (size_t)(end - a);
	t->path = end;
	return 1;
}

/* --- connections ---------------------------------------------------------- */

/*
 * A kept connection to t that the upstream has not closed meanwhile, or
 * NULL.  A closed one (or one with bytes nobody asked for) is let go.
 */
static struct gh_h1_conn *
conn_kept(struct gh_h1 *c, const struct target *t)
{
	struct gh_h1_conn	*k;
	char			 b;
	size_t			 i;

	for (i = 0; i < GH_H1_CONNS; i++) {
		k = &c->conn[i];
		if (k->host[0] == '\0' || strcmp(k->host, t->host) != 0 ||
		    strcmp(k->port, t->port) != 0)
			continue;
		if (recv(k->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) < 0 &&
		    (errno == EAGAIN || errno == EWOULDBLOCK))
			return k;
		conn_close(k);
	}
	return NULL;
}

/* A free slot, or the least recently used one, closed. */
static struct gh_h1_conn *
conn_slot(struct gh_h1 *c)
{
	struct gh_h1_conn	*k = &c->conn[0];
	size_t			 i;

	for (i = 0; i < GH_H1_CONNS; i++) {
		if (c->conn[i].host[0] == '\0')
			return &c->conn[i];
		if (c->conn[i].used < k->used)
			k = &c->conn[i];
	}
	conn_close(k);
	return k;
}

/* Connect fd (non-blocking) to ai by the deadline (0: none); 0, or an errno. */
static int
connect_one(int fd, const struct addrinfo *ai, long long deadline)
{
	socklen_t	len = sizeof(int);
	long long	left;
	int		e = 0;

	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return 0;
	if (errno != EINPROGRESS)
		return errno;
	left = deadline > 0 ? (deadline - gh_now_us()) / 1000 : 0;
	if ((deadline > 0 && left <= 0) || wait_fd(fd, POLLOUT, (int)left) == 0)
		return ETIMEDOUT;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) != 0)
		return errno;
	return e;
}

/*
 * Connect k to t: each address of its host in turn, those the policy
 * allows, until one answers or the connect limit passes.
 */
static enum gh_err
conn_open(struct xfer *x, struct gh_h1_conn *k, const struct target *t)
{
	const struct gh_h1_req	*req = x->req;
	struct addrinfo		 hints, *res, *ai;
	char			 addr[GH_NETPOL_ADDRSTR];
	long long		 deadline;
	int			 fd, rc, e = 0, refused = 0, on = 1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if ((rc = getaddrinfo(t->host, t->port, &hints, &res)) != 0)
		return fail(x, rc == EAI_MEMORY ? GH_ENOMEM : GH_EUNAVAIL,
		    "cannot resolve %s: %s", t->host, gai_strerror(rc));
	deadline = req->connect_timeout_ms > 0 ?
	    gh_now_us() + (long long)req->connect_timeout_ms * 1000 : 0;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (req->policy != NULL && gh_netpol_check(req->policy,
		    ai->ai_addr, ai->ai_addrlen, addr) != GH_OK) {
			gh_strlcpy(x->c->refused, addr, sizeof(x->c->refused));
			refused++;
			continue;
		}
		if ((fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0)) < 0) {
			e = errno;
			continue;
		}
		/* A head and its body go out at once, not after an ACK. */
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
		(void)setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
		if ((e = connect_one(fd, ai, deadline)) == 0) {
			freeaddrinfo(res);
			k->fd = fd;
			gh_strlcpy(k->host, t->host, sizeof(k->host));
			gh_strlcpy(k->port, t->port, sizeof(k->port));
			return GH_OK;
		}
		close(fd);
		if (e == ETIMEDOUT)
			break;
	}
	freeaddrinfo(res);
	if (e == 0 && refused > 0)
		return fail(x, GH_EFORBIDDEN, "address %s is not allowed",
		    x->c->refused);
	if (e == ETIMEDOUT)
		return fail(x, GH_EUNAVAIL, "connecting to %s:%s took over "
		    "%d ms", t->host, t->port, req->connect_timeout_ms);
	return fail(x, GH_EUNAVAIL, "cannot connect to %s:%s: %s", t->host,
	    t->port, e != 0 ? strerror(e) : "no address");
}

/* --- the request ---------------------------------------------------------- */

/*
 * Whether what the upstream sends while the request is still going out
 * is an interim answer ("HTTP/1.1 100 Continue"), which asks for the rest
 * of the body, rather than the final one, which makes it moot.  Only
 * peeked at: read_answer() reads it.
 */
static int
answer_interim(struct xfer *x)
{
	char	b[10];

	return recv(x->fd, b, sizeof(b), MSG_PEEK | MSG_DONTWAIT) ==
	    (ssize_t)sizeof(b) && memcmp(b, "HTTP/1.", 7) == 0 &&
	    b[8] == ' ' && b[9] == '1';
}

/*
 * Send the cnt pieces of iov whole.  An answer that comes before they are
 * out, or a connection the upstream closed, stops the sending (x->cut):
 * the answer is read all the same.
 */
static enum gh_err
send_iov(struct xfer *x, struct iovec *iov, int cnt)
{
	struct msghdr	m;
	ssize_t		n;
	int		ev;

	while (cnt > 0 && iov->iov_len == 0) {
		iov++;
		cnt--;
	}
	while (cnt > 0) {
		memset(&m, 0, sizeof(m));
		m.msg_iov = iov;
		m.msg_iovlen = (size_t)cnt;
		if ((n = sendmsg(x->fd, &m, MSG_NOSIGNAL)) < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				x->cut = 1;
				return GH_OK;
			}
			if ((ev = wait_fd(x->fd, x->interim ? POLLOUT :
			    POLLOUT | POLLIN, x->req->silence_ms)) == 0)
				return fail(x, GH_ETIMEOUT, "the upstream took "
				    "nothing for %d ms", x->req->silence_ms);
			if (ev < 0)
				return fail(x, GH_EUNAVAIL, "poll: %s",
				    strerror(errno));
			if ((ev & (POLLIN | POLLOUT)) == POLLIN &&
			    !(x->interim = answer_interim(x))) {
				x->cut = 1;	/* it answers already */
				return GH_OK;
			}
			continue;
		}
		while (cnt > 0 && (size_t)n >= iov->iov_len) {
			n -= (ssize_t)iov->iov_len;
			iov++;
			cnt--;
		}
		if (cnt > 0) {
			iov->iov_base = (char *)iov->iov_base + n;
			iov->iov_len -= (size_t)n;
		}
	}
	return GH_OK;
}

/* A piece to send; sendmsg() only reads it, so a const one will do. */
#define IOV(p, n)	((struct iovec){ .iov_base = (void *)(uintptr_t)(p), \
			    .iov_len = (n) })
#define IOS(s)		IOV((s), sizeof(s) - 1)

/*
 * The request: its head in one write, then its body as the caller hands
 * it over, in Content-Length or chunked framing.
 */
static enum gh_err
send_request(struct xfer *x, const struct target *t)
{
	const struct gh_h1_req	*req = x->req;
	struct iovec		 iov[12];
	char			 framing[64], size[24], buf[GH_H1_BUF];
	long long		 left = req->body_len;
	int			 n = 0, chunked = req->has_body && left < 0;
	ssize_t			 got;
	enum gh_err		 err;

	framing[0] = '\0';
	if (chunked)
		gh_strlcpy(framing, "Transfer-Encoding: chunked\r\n",
		    sizeof(framing));
	else if (req->has_body)
		snprintf(framing, sizeof(framing), "Content-Length: %lld\r\n",
		    left);
	iov[n++] = IOV(req->method, strlen(req->method));
	iov[n++] = IOS(" ");
	if (*t->path != '/')
		iov[n++] = IOS("/");
	iov[n++] = IOV(t->path, strlen(t->path));
	iov[n++] = IOS(" HTTP/1.1\r\nHost: ");
	iov[n++] = IOV(t->authority, t->authority_len);
	iov[n++] = IOS("\r\n");
	iov[n++] = IOV(req->headers, req->headers != NULL ?
	    req->headers_len : 0);
	iov[n++] = IOV(framing, strlen(framing));
	iov[n++] = IOS("\r\n");
	if ((err = send_iov(x, iov, n)) != GH_OK || !req->has_body)
		return err;
	while (!x->cut) {
		x->pulled = 1;
		got = 0;
		if (chunked || left > 0)
			got = req->on_read(req->arg, buf, chunked ||
			    left > (long long)sizeof(buf) ? sizeof(buf) :
			    (size_t)left);
		if (got < 0)
			return fail(x, GH_EIO, "the request body was stopped");
		if (!chunked && got == 0 && left > 0)
			return fail(x, GH_EINVAL, "the request body ended "
			    "%lld bytes short", left);
		n = 0;
		if (chunked && got > 0) {
			snprintf(size, sizeof(size), "%zx\r\n", (size_t)got);
			iov[n++] = IOV(size, strlen(size));
		}
		iov[n++] = IOV(buf, (size_t)got);
		if (chunked)
			iov[n++] = got > 0 ? IOS("\r\n") : IOS("0\r\n\r\n");
		if ((err = send_iov(x, iov, n)) != GH_OK)
			return err;
		if (got == 0 || (!chunked && (left -= got) == 0))
			break;
	}
	return GH_OK;
}

/* --- the answer ----------------------------------------------------------- */

/*
 * Read more of the answer into c->in (room is made by moving what is
 * left to the front).  GH_OK with more bytes, or with *eof set when the
 * upstream closed the connection.
 */
static enum gh_err
fill(struct xfer *x, int *eof)
{
	struct gh_h1	*c = x->c;
	ssize_t		 n;
	int		 ev;

	if (c->off == c->len)
		c->off = c->len = 0;
	else if (c->len == sizeof(c->in)) {
		memmove(c->in, c->in + c->off, c->len - c->off);
		c->len -= c->off;
		c->off = 0;
	}
	if (c->len == sizeof(c->in))
		return fail(x, GH_EUNAVAIL, "a line of the answer is too long");
	for (;;) {
		/* Right after sending, a read would only say EAGAIN: wait. */
		if (x->sent) {
			x->sent = 0;
			goto wait;
		}
		n = read(x->fd, c->in + c->len, sizeof(c->in) - c->len);
		if (n > 0) {
			c->len += (size_t)n;
			x->got = 1;
			return GH_OK;
		}
		if (n == 0) {
			*eof = 1;
			return GH_OK;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return fail(x, GH_EUNAVAIL, "reading the answer: %s",
			    strerror(errno));
wait:
		if ((ev = wait_fd(x->fd, POLLIN, x->req->silence_ms)) == 0)
			return fail(x, GH_ETIMEOUT, "the upstream was silent "
			    "for %d ms", x->req->silence_ms);
		if (ev < 0)
			return fail(x, GH_EUNAVAIL, "poll: %s",
			    strerror(errno));
	}
}

/*
 * The next line of the answer, in place in c->in: *line, *n bytes without
 * its LF or CRLF, valid until the next read.  *budget is what the head may
 * still take; the line's bytes are taken from it.
 */
static enum gh_err
next_line(struct xfer *x, const char **line, size_t *n, size_t *budget)
{
	struct gh_h1	*c = x->c;
	const char	*nl;
	size_t		 seen = 0, len;
	int		 eof = 0;
	enum gh_err	 err;

	while ((nl = memchr(c->in + c->off + seen, '\n',
	    c->len - c->off - seen)) == NULL) {
		seen = c->len - c->off;
		if (seen > GH_H1_LINE_MAX || seen > *budget)
			break;
		if (eof)
			return fail(x, GH_EUNAVAIL, x->got ? "the upstream "
			    "closed the connection mid-answer" : "the upstream "
			    "closed the connection without answering");
		if ((err = fill(x, &eof)) != GH_OK)
			return err;
	}
	len = nl != NULL ? (size_t)(nl - (c->in + c->off)) + 1 : seen;
	if (len > *budget)
		return fail(x, GH_EUNAVAIL, "the answer's head is larger than "
		    "%d bytes", GH_H1_HEAD_MAX);
	if (nl == NULL || len > GH_H1_LINE_MAX + 2)
		return fail(x, GH_EUNAVAIL, "a line of the answer is longer "
		    "than %d bytes", GH_H1_LINE_MAX);
	*budget -= len;
	*line = c->in + c->off;
	*n = len - 1;
	if (*n > 0 && (*line)[*n - 1] == '\r')
		(*n)--;
	c->off += len;
	if (*n > GH_H1_LINE_MAX)
		return fail(x, GH_EUNAVAIL, "a line of the answer is longer "
		    "than %d bytes", GH_H1_LINE_MAX);
	/* A CR of its own, or a NUL, would let a line be read two ways. */
	if (memchr(*line, '\r', *n) != NULL || memchr(*line, '\0', *n) != NULL)
		return fail(x, GH_EUNAVAIL, "a line of the answer holds a CR "
		    "or a NUL");
	return GH_OK;
}

/* "HTTP/1.x NNN[ reason]" into h; 0 when it is not a status line. */
static int
status_parse(const char *s, size_t n, struct head *h)
{
	size_t	i;

	if (n < 12 || memcmp(s, "HTTP/1.", 7) != 0 ||
	    (s[7] != '0' && s[7] != '1') || s[8] != ' ' ||
	    (n > 12 && s[12] != ' '))
		return 0;
	for (i = 9; i < 12; i++)
		if (!gh_ascii_isdigit((unsigned char)s[i]))
			return 0;
	h->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
	h->http10 = s[7] == '0';
	return h->status >= 100 && h->status <= 599;
}

/* 1 when the comma-separated list v (n bytes) holds token, in any case. */
static int
list_has(const char *v, size_t n, const char *token, int last_only)
{
	size_t	tlen = strlen(token), i = 0, s, e;
	int	found = 0;

	while (i <= n) {
		s = i;
		while (i < n && v[i] != ',')
			i++;
		e = i++;
		while (s < e && (v[s] == ' ' || v[s] == '\t'))
			s++;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (last_only)
			found = 0;
		if (e - s == tlen && gh_ascii_caseeq(v + s, token, tlen))
			found = 1;
	}
	return found;
}

/* A header line's part in the framing, into h; 0 when it is malformed. */
static int
field_parse(const char *s, size_t n, struct head *h)
{
	const char	*colon, *v;
	size_t		 nlen, vlen, i;
	long long	 len = 0;

	if ((colon = memchr(s, ':', n)) == NULL)
		return 1;	/* not a field: the caller's to judge */
	nlen = (size_t)(colon - s);
	v = colon + 1;
	vlen = n - nlen - 1;
	while (vlen > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		vlen--;
	}
	while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
		vlen--;
	if (nlen == 14 && gh_ascii_caseeq(s, "content-length", 14)) {
		if (vlen == 0 || vlen > 18)
			return 0;
		for (i = 0; i < vlen; i++) {
			if (!gh_ascii_isdigit((unsigned char)v[i]))
				return 0;
			len = len * 10 + (v[i] - '0');
		}
		if (h->length >= 0 && h->length != len)
			return 0;
		h->length = len;
	} else if (nlen == 17 && gh_ascii_caseeq(s, "transfer-encoding", 17)) {
		h->te = 1;
		h->chunked = list_has(v, vlen, "chunked", 1);
	} else if (nlen == 10 && gh_ascii_caseeq(s, "connection", 10)) {
		if (list_has(v, vlen, "close", 0))
			h->close = 1;
	}
	return 1;
}

/* Hand a head line to the caller. */
static enum gh_err
pass_head(struct xfer *x, const char *s, size_t n)
{
	if (x->req->on_head(x->req->arg, s, n) != 0)
		return fail(x, GH_EIO, "stopped at the answer's head");
	return GH_OK;
}

/* One head, status line to empty line, into h and to the caller. */
static enum gh_err
read_head(struct xfer *x, struct head *h, size_t *budget)
{
	const char	*s;
	size_t		 n;
	enum gh_err	 err;

	memset(h, 0, sizeof(*h));
	h->length = -1;
	if ((err = next_line(x, &s, &n, budget)) != GH_OK)
		return err;
	if (!status_parse(s, n, h))
		return fail(x, GH_EUNAVAIL, "the answer has no HTTP/1 status "
		    "line");
	if ((err = pass_head(x, s, n)) != GH_OK)
		return err;
	for (;;) {
		if ((err = next_line(x, &s, &n, budget)) != GH_OK)
			return err;
		if (n == 0)
			return pass_head(x, "", 0);
		/* A folded line (obsolete) continues no framing field. */
		if (s[0] != ' ' && s[0] != '\t' && !field_parse(s, n, h))
			return fail(x, GH_EUNAVAIL, "the answer's framing "
			    "(Content-Length, Transfer-Encoding) is malformed");
		if ((err = pass_head(x, s, n)) != GH_OK)
			return err;
	}
}

/* Body bytes: want of them, or (want < 0) all until the connection ends. */
static enum gh_err
read_body(struct xfer *x, long long want)
{
	struct gh_h1	*c = x->c;
	size_t		 n;
	int		 eof = 0;
	enum gh_err	 err;

	while (want != 0) {
		if (c->off == c->len) {
			if ((err = fill(x, &eof)) != GH_OK)
				return err;
			if (eof && want < 0)
				return GH_OK;
			if (eof)
				return fail(x, GH_EUNAVAIL, "the upstream "
				    "closed the connection mid-body");
			continue;
		}
		n = c->len - c->off;
		if (want > 0 && (long long)n > want)
			n = (size_t)want;
		if (x->req->on_body(x->req->arg, c->in + c->off, n) != 0)
			return fail(x, GH_EIO, "stopped in the answer's body");
		c->off += n;
		if (want > 0)
			want -= (long long)n;
	}
	return GH_OK;
}

/* The value of a hexadecimal digit. */
static int
hexval(char d)
{
	return gh_ascii_isdigit((unsigned char)d) ? d - '0' :
	    gh_ascii_lower(d) - 'a' + 10;
}

/* A chunked body, its chunks' bytes to the caller, its trailers dropped. */
static enum gh_err
read_chunked(struct xfer *x)
{
	const char	*s;
	size_t		 n, i, budget, trailers = GH_H1_HEAD_MAX;
	long long	 size;
	enum gh_err	 err;

	for (;;) {
		budget = GH_H1_HEAD_MAX;
		if ((err = next_line(x, &s, &n, &budget)) != GH_OK)
			return err;
		for (i = 0, size = 0; i < n && i < 16 &&
		    gh_ascii_isxdigit((unsigned char)s[i]); i++)
			size = size * 16 + hexval(s[i]);
		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i == 0 || i > 15 || (i < n && s[i] != ';'))
			return fail(x, GH_EUNAVAIL, "a chunk size of the "
			    "answer is malformed");
		if (size == 0)
			break;
		if ((err = read_body(x, size)) != GH_OK)
			return err;
		budget = GH_H1_HEAD_MAX;
		if ((err = next_line(x, &s, &n, &budget)) != GH_OK)
			return err;
		if (n != 0)
			return fail(x, GH_EUNAVAIL, "a chunk of the answer is "
			    "longer than its size");
	}
	do {
		if ((err = next_line(x, &s, &n, &trailers)) != GH_OK)
			return err;
	} while (n != 0);
	return GH_OK;
}

/* The answer on x->fd: its heads, then its body as framed. */
static enum gh_err
read_answer(struct xfer *x, int head_only, int *keep)
{
	struct head	h;
	size_t		budget = GH_H1_HEAD_MAX;
	enum frame	frame;
	enum gh_err	err;

	*keep = 0;
	do {
		if ((err = read_head(x, &h, &budget)) != GH_OK)
			return err;
		if (h.status == 101)
			return fail(x, GH_EUNAVAIL, "the upstream switched "
			    "protocols");
	} while (h.status < 200);
	if (head_only || h.status == 204 || h.status == 304)
		frame = FRAME_NONE;
	else if (h.te)
		frame = h.chunked ? FRAME_CHUNKED : FRAME_CLOSE;
	else if (h.length >= 0)
		frame = FRAME_LENGTH;
	else
		frame = FRAME_CLOSE;
	switch (frame) {
	case FRAME_NONE:
		err = GH_OK;
		break;
	case FRAME_LENGTH:
		err = read_body(x, h.length);
		break;
	case FRAME_CHUNKED:
		err = read_chunked(x);
		break;
	case FRAME_CLOSE:
		err = read_body(x, -1);
		break;
	}
	/* Reuse only a connection left exactly at the end of an answer. */
	*keep = err == GH_OK && frame != FRAME_CLOSE && !h.http10 &&
	    !h.close && !(h.te && h.length >= 0) && x->c->off == x->c->len;
	return err;
}

enum gh_err
gh_h1_answer(struct gh_h1 *c, int fd, const struct gh_h1_req *req,
    int head_only, int *keep, char *errbuf, size_t errsz)
{
	struct xfer	x = { .c = c, .req = req, .fd = fd, .err = errbuf,
			    .errsz = errsz };

	enum gh_err	err;
	int		fl;

	if (errsz > 0)
		errbuf[0] = '\0';
	/* Every wait is a poll(): a blocking read would outwait the limit. */
	if ((fl = fcntl(fd, F_GETFL)) < 0 ||
	    (!(fl & O_NONBLOCK) && fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0))
		return fail(&x, GH_EUNAVAIL, "fcntl: %s", strerror(errno));
	c->off = c->len = 0;
	err = read_answer(&x, head_only, keep);
	c->answered = x.got;
	return err;
}

enum gh_err
gh_h1_request(struct gh_h1 *c, const struct gh_h1_req *req, char *errbuf,
    size_t errsz)
{
	struct xfer		 x = { .c = c, .req = req, .err = errbuf,
				    .errsz = errsz };
	struct target		 t;
	struct gh_h1_conn	*k;
	int			 reused, keep, tries;
	enum gh_err		 err;

	if (errsz > 0)
		errbuf[0] = '\0';
	c->refused[0] = '\0';
	c->answered = 0;
	if (!target_parse(req->url, &t))
		return fail(&x, GH_EINVAL, "not a URL of the form "
		    "http://host[:port]/path");
	c->nreq++;
	for (tries = 0;; tries++) {
		reused = (k = conn_kept(c, &t)) != NULL;
		if (!reused && (err = conn_open(&x, k = conn_slot(c), &t)) !=
		    GH_OK)
			return err;
		x.fd = k->fd;
		x.got = x.pulled = x.cut = x.sent = x.interim = 0;
		c->off = c->len = 0;
		if ((err = send_request(&x, &t)) == GH_OK) {
			x.sent = !x.cut;
			err = read_answer(&x, strcmp(req->method, "HEAD") == 0,
			    &keep);
		}
		c->answered = x.got;
		if (err == GH_OK && keep && !x.cut) {
			k->used = c->nreq;
			return GH_OK;
		}
		conn_close(k);
		/*
		 * A kept connection the upstream closed just as it was
		 * reused: nothing was taken from either side, so the request
		 * can go again, once, on a new one.
		 */
		if (err != GH_EUNAVAIL || !reused || x.got || x.pulled ||
		    tries > 0)
			return err;
	}
}
