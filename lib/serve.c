/* SPDX-License-Identifier: ISC */
/*
 * serve: the accept loop, the per-request pipeline and the one place where
 * an error becomes an HTTP answer.
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fcgiapp.h>
#include <json-c/json.h>

#include "json.h"
#include "log.h"
#include "serve.h"

extern char	**environ;

/* Where a request comes from and its answer goes: FastCGI or plain CGI. */
struct gh_io {
	FCGX_Stream	*in, *out;	/* NULL for CGI: fds 0 and 1 */
	long long	 nread;		/* body bytes read for this request */
};

/*
 * A body left unread when the answer is out (an early 401, 403 or 413) is
 * read and dropped, up to DRAIN_MAX bytes, before the exchange ends.  A
 * web server that streams request bodies (lighttpd with
 * stream-request-body) otherwise closes the connection, or resets the
 * HTTP/2 stream (RST_STREAM NO_ERROR, as RFC 9113 8.1 allows), while the
 * client is still sending; clients that are still sending take that for
 * an error without showing the answer (curl 7.88 and git with it: "curl
 * 92 Stream error in the HTTP/2 framing layer" or "55 Send failure:
 * Broken pipe" over HTTP/1.1, under load, once its wait for 100 Continue
 * has passed).  So a too-large upload is read to its end: the answer is
 * already out (or waits in libfcgi's buffer), the web servers cap bodies
 * at 64 MiB, and their idle timeouts bound how long it takes.  A longer
 * rest is left; the connection then closes.  Dropping costs no memory.
 */
#define DRAIN_MAX	(64LL * 1024 * 1024)

/* Read exactly n bytes (fewer only at end of input); -1 on error. */
static ssize_t
io_read(struct gh_io *io, char *p, size_t n)
{
	size_t	got = 0;
	ssize_t	r;

	if (io->in != NULL) {
		/* FCGX_GetStr takes an int: n is bounded by the body cap. */
		r = FCGX_GetStr(p, (int)n, io->in);
		if (r > 0)
			io->nread += r;
		return r < 0 ? -1 : r;
	}
	while (got < n) {
		r = read(STDIN_FILENO, p + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	io->nread += (long long)got;
	return (ssize_t)got;
}

/*
 * Drop what is left of a body of length len, if it is at most max bytes;
 * of a body of unknown length (len < 0), up to its end or max bytes.
 */
static void
io_drain(struct gh_io *io, long long len, long long max)
{
	char	chunk[8192];
	size_t	want;

	if (len < 0) {
		while (io->nread < max &&
		    io_read(io, chunk, sizeof(chunk)) > 0)
			;
		return;
	}
	if (len <= io->nread || len - io->nread > max)
		return;
	while (io->nread < len) {
		want = len - io->nread < (long long)sizeof(chunk) ?
		    (size_t)(len - io->nread) : sizeof(chunk);
		if (io_read(io, chunk, want) <= 0)
			break;
	}
}

static int
io_write(struct gh_io *io, const char *p, size_t n)
{
	ssize_t	w;

	if (io->out != NULL)
		return FCGX_PutStr(p, (int)n, io->out) == (int)n ? 0 : -1;
	while (n > 0) {
		w = write(STDOUT_FILENO, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

ssize_t
gh_io_read(struct gh_io *io, void *p, size_t n)
{
	/* FCGX_GetStr takes an int: read in bounded pieces. */
	if (n > 1024 * 1024)
		n = 1024 * 1024;
	return io_read(io, p, n);
}

int
gh_io_write(struct gh_io *io, const void *p, size_t n)
{
	while (n > 1024 * 1024) {
		if (io_write(io, p, 1024 * 1024) != 0)
			return -1;
		p = (const char *)p + 1024 * 1024;
		n -= 1024 * 1024;
	}
	return io_write(io, p, n);
}

int
gh_io_flush(struct gh_io *io)
{
	if (io->out != NULL)
		return FCGX_FFlush(io->out) == 0 ? 0 : -1;
	return 0;
}

enum gh_err
gh_res_send_head(struct gh_req *req, struct gh_res *res, const char *reason)
{
	char	line[160];
	int	n, rc;

	if (req->io == NULL || res->sent)
		return GH_EINTERNAL;
	/* The io buffers (FastCGI): three writes cost no system call. */
	n = snprintf(line, sizeof(line), "Status: %d %s\r\n"
	    "X-Content-Type-Options: nosniff\r\n%s", res->status,
	    reason != NULL ? reason : gh_status_text(res->status),
	    res->secret ? "Cache-Control: no-store\r\n" : "");
	if (n < 0 || (size_t)n >= sizeof(line))
		return GH_EINTERNAL;
	/* Even a failed write may have sent part of it: no second head. */
	res->sent = 1;
	rc = io_write(req->io, line, (size_t)n);
	if (rc == 0 && res->head.len > 0)
		rc = io_write(req->io, res->head.data, res->head.len);
	if (rc == 0)
		rc = io_write(req->io, "\r\n", 2);
	return rc == 0 ? GH_OK : GH_EIO;
}

/*
 * A body of unknown length: no CONTENT_LENGTH, and a Transfer-Encoding
 * (RFC 3875 wants a CONTENT_LENGTH with every body, but Apache's mod_cgid
 * streams a chunked body without one, and apache.conf.in sends it an
 * HTTP/2 body of unknown length).  Without either there is no body: a
 * CGI program's stdin need not even be at its end then.
 */
static int
body_unknown(const struct gh_req *req)
{
	return req->content_length < 0 &&
	    gh_req_param(req, "HTTP_TRANSFER_ENCODING") != NULL;
}

/*
 * A body of unknown length is read to its end (end of file for CGI, the
 * empty record for FastCGI), never more than max bytes: GH_ETOOBIG past
 * them.
 */
static enum gh_err
read_body_to_end(struct gh_req *req, size_t max, struct gh_io *io)
{
	ssize_t		 r;
	enum gh_err	 err;
	char		 chunk[8192];

	while ((r = io_read(io, chunk, sizeof(chunk))) > 0) {
		if (req->body.len + (size_t)r > max)
			return GH_ETOOBIG;
		if ((err = gh_buf_add(&req->body, chunk, (size_t)r)) != GH_OK)
			return err;
	}
	return r < 0 ? GH_EIO : GH_OK;
}

/*
 * gh_body_reader over an io: exactly CONTENT_LENGTH bytes, never more than
 * max; without CONTENT_LENGTH, what there is up to its end.
 */
static enum gh_err
read_body(struct gh_req *req, size_t max, void *arg)
{
	struct gh_io	*io = arg;
	size_t		 want, room;
	ssize_t		 r;
	enum gh_err	 err;
	char		 chunk[8192];

	if (body_unknown(req))
		return read_body_to_end(req, max, io);
	if (req->content_length <= 0)
		return GH_OK;
	want = (size_t)req->content_length;
	if (want > max)
		return GH_ETOOBIG;
	while (want > 0) {
		room = want < sizeof(chunk) ? want : sizeof(chunk);
		if ((r = io_read(io, chunk, room)) < 0)
			return GH_EIO;
		if (r == 0)
			return GH_EINVAL;	/* shorter than it said */
		if ((err = gh_buf_add(&req->body, chunk, (size_t)r)) != GH_OK)
			return err;
		want -= (size_t)r;
	}
	return GH_OK;
}

/* Without a body of its own, a 4xx or 5xx is gh_res_error_json()'s. */
static void
default_error_body(struct gh_svc *svc, struct gh_req *req, struct gh_res *res)
{
	(void)gh_res_error_json(res);
}

/*
 * Turn res->err into the answer: the status, a message the client may see
 * (5xx answers never carry internals: the detail goes to the log) and the
 * service's error body.
 */
static void
render_error(struct gh_svc *svc, struct gh_req *req, struct gh_res *res)
{
	unsigned	m;
	int		first = 1;

	if (res->status < 400)
		res->status = gh_err_status(res->err);
	if (res->status >= 500) {
		gh_log("%s %s: %s: %s", gh_method_name(req->method),
		    req->route ? req->route->pattern : "-",
		    gh_strerror(res->err), res->errmsg);
		/*
		 * A 502, 503 or 504 says which dependency is down, in the
		 * handler's words; any other 5xx is our fault and its detail
		 * stays in the log.
		 */
		if ((res->status < 502 || res->status > 504) ||
		    res->errmsg[0] == '\0')
			gh_strlcpy(res->errmsg, res->status == 503 ?
			    "service temporarily unavailable, try again later" :
			    "internal error", sizeof(res->errmsg));
	} else if (res->errmsg[0] == '\0')
		gh_strlcpy(res->errmsg, gh_strerror(res->err),
		    sizeof(res->errmsg));
	if (res->err == GH_EMETHOD && res->allow != 0) {
		char	allow[128] = "";

		for (m = 0; m < GH_METHOD__MAX; m++) {
			if ((res->allow & GH_M(m)) == 0)
				continue;
			if (!first)
				gh_strlcat(allow, ", ", sizeof(allow));
			gh_strlcat(allow, gh_method_name((enum gh_method)m),
			    sizeof(allow));
			first = 0;
		}
		gh_res_header(res, "Allow", "%s", allow);
	}
	if (res->status == 503)
		gh_res_header(res, "Retry-After", "1");
	gh_buf_reset(&res->body);
	if (svc->error_body != NULL && (req->route == NULL ||
	    (req->route->flags & GH_ROUTE_JSON_ERRORS) == 0))
		svc->error_body(svc, req, res);
	else
		default_error_body(svc, req, res);
}

/* A request begins: the service's state of it is zeroed and lent to req. */
static void
req_begin(struct gh_svc *svc, struct gh_req *req)
{
	if (svc->reqctx != NULL)
		memset(svc->reqctx, 0, svc->reqctx_size);
	req->ctx = svc->reqctx;
}

void
gh_dispatch(struct gh_svc *svc, struct gh_req *req, struct gh_res *res,
    gh_body_reader *reader, void *arg)
{
	const struct gh_route	*route;
	size_t			 max;
	enum gh_err		 err;

	/* serve_one() began it; a caller of our own (a unit test) may not. */
	if (req->ctx == NULL)
		req_begin(svc, req);
	err = gh_route_match(svc->routes, svc->nroutes, req, &route,
	    &res->allow);
	if (err == GH_ENOTFOUND) {
		gh_fail(res, err, "no such resource");
		goto fail;
	} else if (err == GH_EMETHOD) {
		gh_fail(res, err, "method %s not allowed here",
		    req->method < GH_METHOD__MAX ?
		    gh_method_name(req->method) : "unknown");
		goto fail;
	} else if (err != GH_OK) {
		gh_fail(res, err, "malformed path");
		goto fail;
	}
	req->route = route;

	max = route->body_max ? route->body_max :
	    svc->body_max ? svc->body_max : GH_BODY_MAX_DEFAULT;
	if (req->content_length > 0 &&
	    (unsigned long long)req->content_length > max) {
		gh_fail(res, GH_ETOOBIG, "request body larger than %zu bytes",
		    max);
		goto fail;
	}
	if ((route->flags & GH_ROUTE_PUBLIC) == 0) {
		res->secret = 1;
		if (svc->auth == NULL) {
			gh_fail(res, GH_EINTERNAL, "route %s has no auth policy",
			    route->pattern);
			goto fail;
		}
		if (svc->auth(svc, req, res) != GH_OK) {
			if (res->err == GH_OK)
				gh_fail(res, GH_EAUTH, "authentication required");
			goto fail;
		}
	}
	/* A streaming route reads the body itself, through req->io. */
	if (reader != NULL && (route->flags & GH_ROUTE_STREAM) == 0 &&
	    (err = reader(req, max, arg)) != GH_OK) {
		if (err == GH_ETOOBIG)	/* a body of unknown length */
			gh_fail(res, err, "request body larger than %zu bytes",
			    max);
		else
			gh_fail(res, err, err == GH_EINVAL ?
			    "request body shorter than its Content-Length" :
			    "could not read the request body");
		goto fail;
	}
	if ((err = route->handler(svc, req, res)) != GH_OK) {
		if (res->err == GH_OK)
			gh_fail(res, err, "%s", gh_strerror(err));
		goto fail;
	}
	if (res->status == 0) {
		gh_fail(res, GH_EINTERNAL, "handler set no status");
		goto fail;
	}
	return;
fail:
	render_error(svc, req, res);
}

enum gh_err
gh_res_render(const struct gh_res *res, int head_only, struct gh_buf *out)
{
	enum gh_err	err;

	err = gh_buf_printf(out, "Status: %d %s\r\n", res->status,
	    gh_status_text(res->status));
	if (err == GH_OK && res->status != 204 && res->status != 304)
		err = gh_buf_printf(out, "Content-Type: %s\r\n"
		    "Content-Length: %zu\r\n",
		    res->content_type ? res->content_type : "text/plain",
		    res->body.len);
	if (err == GH_OK)
		err = gh_buf_puts(out, "X-Content-Type-Options: nosniff\r\n");
	if (err == GH_OK && res->secret)
		err = gh_buf_puts(out, "Cache-Control: no-store\r\n");
	if (err == GH_OK && res->head.len > 0)
		err = gh_buf_add(out, res->head.data, res->head.len);
	if (err == GH_OK)
		err = gh_buf_add(out, "\r\n", 2);
	if (err == GH_OK && !head_only && res->status != 204 &&
	    res->body.len > 0)
		err = gh_buf_add(out, res->body.data, res->body.len);
	return err;
}

/*
 * One request from start to finish.  The head is rendered into a buffer the
 * process keeps; the body is written from its own buffer without a copy.
 */
static void
serve_one(struct gh_svc *svc, struct gh_req *req, struct gh_res *res,
    struct gh_buf *head, const char *const *env, struct gh_io *io)
{
	char		 logpath[GH_PATH_MAX + 1];
	int		 head_only;

	gh_req_reset(req);
	gh_res_reset(res);
	gh_buf_reset(head);
	req_begin(svc, req);
	req->start_us = gh_now_us();
	req->io = io;

	/* The body cap is the route's: gh_dispatch checks it. */
	if (gh_req_parse(req, env, 0, res) != GH_OK)
		render_error(svc, req, res);
	else
		gh_dispatch(svc, req, res, read_body, io);

	head_only = req->method == GH_HEAD;
	if (res->sent)
		goto drain;	/* a streaming handler answered itself */
	if (gh_res_render(res, 1, head) != GH_OK) {
		gh_log("cannot render the response head");
		return;
	}
	if (io_write(io, head->data, head->len) != 0 ||
	    (!head_only && res->status != 204 && res->body.len > 0 &&
	    io_write(io, res->body.data, res->body.len) != 0)) {
		/* The client went away; nothing to answer. */
	}
drain:
	if (body_unknown(req))
		io_drain(io, -1, DRAIN_MAX);
	else
		io_drain(io, req->content_length, DRAIN_MAX);
	if (svc->log_requests) {
		/*
		 * A service with secrets in its paths has its routes see them
		 * percent-decoded ("auth%3D…" is "auth=…"), so the log masks
		 * the decoded path, and logs none it cannot decode.
		 */
		if (svc->mask == NULL)
			gh_strlcpy(logpath, req->path, sizeof(logpath));
		else if (gh_pct_decode(req->path, strlen(req->path), 0,
		    logpath, sizeof(logpath), NULL) == GH_OK)
			gh_log_mask(logpath, svc->mask);
		else
			gh_strlcpy(logpath, "(undecodable)", sizeof(logpath));
		gh_log_request(req->method_name[0] ? req->method_name : "-",
		    logpath[0] ? logpath : "-", res->status,
		    gh_now_us() - req->start_us);
	}
}

/*
 * SIGTERM sets stopping and writes a byte to the pipe the wait watches:
 * the request in hand finishes, then gh_serve() returns.  The pipe, not
 * a signal mask, makes a SIGTERM that comes just before the wait begins
 * end it, at no cost to a request.
 */
static volatile sig_atomic_t	stopping;
static int			term_pipe[2] = { -1, -1 };

static void
on_term(int sig)
{
	int	saved = errno;

	(void)sig;
	stopping = 1;
	(void)!write(term_pipe[1], "", 1);
	errno = saved;
}

/*
 * The web server's listening socket (descriptor 0), accepted on here
 * rather than in libfcgi.  libfcgi's accept blocks without a timeout,
 * and a service with work of its own (the idle hook) needs one; it also
 * costs a select() per connection.  The socket is made non-blocking, so
 * that a process that loses a connection to another one sharing the
 * socket (gatehouse-spawn's copies) goes back to its wait instead of
 * blocking in accept(); the wait is an epoll with EPOLLEXCLUSIVE, so a
 * connection wakes one waiting process, as a blocking accept() does.
 * Every process on a socket runs this loop: none of them calls libfcgi's
 * accept, which would fail on a non-blocking socket.
 */
struct listener {
	int	fd;
	int	ep;	/* epoll on fd and term_pipe[0]; owned */
};

static int
listener_open(struct listener *l)
{
	struct epoll_event	ev;
	struct sigaction	sa;
	int			fl;

	l->fd = STDIN_FILENO;	/* FCGI_LISTENSOCK_FILENO */
	l->ep = -1;
	if ((fl = fcntl(l->fd, F_GETFL)) == -1 ||
	    fcntl(l->fd, F_SETFL, fl | O_NONBLOCK) == -1 ||
	    pipe2(term_pipe, O_NONBLOCK | O_CLOEXEC) == -1 ||
	    (l->ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		goto fail;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	ev.data.fd = l->fd;
	if (epoll_ctl(l->ep, EPOLL_CTL_ADD, l->fd, &ev) == -1)
		goto fail;
	ev.events = EPOLLIN;
	ev.data.fd = term_pipe[0];
	if (epoll_ctl(l->ep, EPOLL_CTL_ADD, term_pipe[0], &ev) == -1)
		goto fail;
	/* SA_RESTART: a request's reads and writes carry on. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) == -1)
		goto fail;
	return 0;
fail:
	gh_log("cannot wait on the FastCGI socket: %s", strerror(errno));
	if (l->ep != -1)
		close(l->ep);
	return -1;
}

/*
 * Wait for a connection, SIGTERM or the service's idle deadline,
 * whichever comes first; -1 once SIGTERM has come or on an error
 * (logged).
 */
static int
listener_wait(struct gh_svc *svc, struct listener *l)
{
	struct epoll_event	ev;
	int			ms;

	ms = svc->idle != NULL ? svc->idle(svc) : -1;
	if (!stopping && epoll_wait(l->ep, &ev, 1, ms) == -1 &&
	    errno != EINTR) {
		gh_log("epoll_wait: %s", strerror(errno));
		return -1;
	}
	return stopping ? -1 : 0;
}

/* The next connection (its descriptor); -1 to stop serving. */
static int
listener_accept(struct gh_svc *svc, struct listener *l)
{
	int	fd;

	for (;;) {
		if (stopping)
			return -1;
		/* Under load one is queued already: one system call. */
		if ((fd = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC)) != -1)
			return fd;
		switch (errno) {
		case EAGAIN:
		case EINTR:
		case ECONNABORTED:
		case EPROTO:
			break;
		case EMFILE:
		case ENFILE:
		case ENOBUFS:
		case ENOMEM:
			/* Out of something: wait for a request to end. */
			gh_log("accept: %s", strerror(errno));
			usleep(100 * 1000);
			continue;
		default:
			gh_log("accept: %s", strerror(errno));
			return -1;
		}
		if (listener_wait(svc, l) == -1)
			return -1;
	}
}

int
gh_serve(struct gh_svc *svc)
{
	FCGX_Request	 fr;
	struct gh_req	 req;
	struct gh_res	 res;
	struct gh_buf	 head;
	struct gh_io	 io;
	struct listener	 l;

	/* A client that hangs up must not kill the process. */
	signal(SIGPIPE, SIG_IGN);
	/*
	 * SQLite allocates some 90 KB per write transaction and frees it at
	 * the end; with glibc's default threshold every order shrank the heap
	 * and grew it again (two brk() calls, page faults, TLB shootdowns).
	 * A process keeps its high-water mark instead.
	 */
	mallopt(M_TRIM_THRESHOLD, 4 * 1024 * 1024);
	gh_req_init(&req);
	gh_res_init(&res);
	gh_buf_init(&head, 32 * 1024);

	if (FCGX_IsCGI()) {
		io.in = io.out = NULL;
		io.nread = 0;
		serve_one(svc, &req, &res, &head, (const char *const *)environ,
		    &io);
		fflush(stdout);
		if (svc->after != NULL)
			svc->after(svc);
		goto done;
	}
	if (FCGX_Init() != 0 || FCGX_InitRequest(&fr, 0, 0) != 0) {
		gh_log("cannot initialise FastCGI");
		goto done;
	}
	if (listener_open(&l) == -1)
		goto free;
	for (;;) {
		/*
		 * A connection libfcgi is to read the request from.  It closes
		 * the one it has when a request ends unless the web server
		 * asked to keep it: "keep" also stops FCGX_Accept_r() from
		 * closing the one handed to it here before it reads it, and
		 * the web server's flags then decide.  (ipcFd and
		 * keepConnection are fields fcgiapp.h asks callers not to
		 * use; test_serve runs this loop against libfcgi as built.)
		 */
		if (fr.ipcFd < 0) {
			if ((fr.ipcFd = listener_accept(svc, &l)) == -1)
				break;
			fr.keepConnection = 1;
		}
		if (FCGX_Accept_r(&fr) < 0)
			continue;	/* that connection failed */
		io.in = fr.in;
		io.out = fr.out;
		io.nread = 0;
		serve_one(svc, &req, &res, &head,
		    (const char *const *)fr.envp, &io);
		/*
		 * Input read to its end, nothing is left to come: close at
		 * once, without libfcgi's lingering close (a shutdown(), then
		 * a poll() and a read() that wait for the web server to hang
		 * up first, before the next request can be accepted).
		 */
		if (FCGX_GetChar(fr.in) == EOF)
			FCGX_Detach(&fr);
		FCGX_Finish_r(&fr);
		if (svc->after != NULL)
			svc->after(svc);
	}
	close(l.ep);
free:
	FCGX_Free(&fr, 1);
done:
	gh_buf_free(&head);
	gh_res_free(&res);
	gh_req_free(&req);
	return 0;
}
