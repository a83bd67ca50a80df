/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for lib/serve.c: the request pipeline (404, 405 with Allow,
 * 413 before auth, 401, handler errors, 5xx masking), the exact bytes
 * of a rendered response, a streaming route served as CGI, a body
 * of unknown length read to its end, and the FastCGI loop itself: its
 * own accept, the idle hook's deadline, the after hook, and SIGTERM,
 * which lets gh_serve() return.
 */
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "serve.h"
#include "tmain.h"

#define ENV(...)	((const char *const[]){ __VA_ARGS__, NULL })

static int	handler_calls, reader_calls;
static const char *body_text;	/* what reader() delivers */

static enum gh_err
auth(struct gh_svc *svc, struct gh_req *req, struct gh_res *res)
{
	const char	*a = gh_req_param(req, "HTTP_AUTHORIZATION");

	if (a == NULL || strcmp(a, "Bearer good") != 0) {
		gh_res_header(res, "WWW-Authenticate", "Bearer");
		return gh_fail(res, GH_EAUTH, "invalid token");
	}
	return GH_OK;
}

static enum gh_err
hello(struct gh_svc *svc, struct gh_req *req, struct gh_res *res)
{
	handler_calls++;
	return gh_res_text(res, 200, "text/plain", "hello", 5);
}

static enum gh_err
echo(struct gh_svc *svc, struct gh_req *req, struct gh_res *res)
{
	handler_calls++;
	return gh_res_text(res, 201, "application/octet-stream",
	    req->body.data ? req->body.data : "", req->body.len);
}

static enum gh_err
broken(struct gh_svc *svc, struct gh_req *req, struct gh_res *res)
{
	handler_calls++;
	return gh_fail(res, GH_EDB, "disk I/O error at /var/secret/path");
}

static enum gh_err
down(struct gh_svc *svc, struct gh_req *req, struct gh_res *res)
{
	return gh_fail(res, GH_EUNAVAIL, "registrar unavailable");
}

static enum gh_err
nostatus(struct gh_svc *svc, struct gh_req *req, struct gh_res *res)
{
	return GH_OK;
}

static enum gh_err
reader(struct gh_req *req, size_t max, void *arg)
{
	reader_calls++;
	return gh_buf_puts(&req->body, body_text);
}

static const struct gh_route routes[] = {
	{ GH_M(GH_GET) | GH_M(GH_HEAD), "/hello", hello, GH_ROUTE_PUBLIC, 0 },
	{ GH_M(GH_POST), "/echo", echo, 0, 10 },
	{ GH_M(GH_GET), "/broken", broken, GH_ROUTE_PUBLIC, 0 },
	{ GH_M(GH_GET), "/nostatus", nostatus, GH_ROUTE_PUBLIC, 0 },
	{ GH_M(GH_GET), "/down", down, GH_ROUTE_PUBLIC, 0 },
};

static struct gh_svc svc = {
	.name = "test",
	.routes = routes,
	.nroutes = GH_NELEM(routes),
	.auth = auth,
};

/* Parse env, dispatch with a body of text, and return the status. */
static int
run(const char *const *env, const char *body, struct gh_res *res)
{
	struct gh_req	req;

	gh_req_init(&req);
	gh_res_reset(res);
	handler_calls = reader_calls = 0;
	if (gh_req_parse(&req, env, 0, res) == GH_OK)
		{
		body_text = body;
		gh_dispatch(&svc, &req, res, reader, NULL);
	}
	gh_req_free(&req);
	return res->status;
}

static void
test_routes(void)
{
	struct gh_res	res;

	gh_res_init(&res);
	CU_ASSERT_EQUAL(run(ENV("REQUEST_METHOD=GET", "REQUEST_URI=/hello"),
	    "", &res), 200);
	CU_ASSERT_EQUAL(handler_calls, 1);
	CU_ASSERT_EQUAL(res.secret, 0);	/* public: cacheable */

	CU_ASSERT_EQUAL(run(ENV("REQUEST_METHOD=GET", "REQUEST_URI=/nope"),
	    "", &res), 404);
	CU_ASSERT_STRING_EQUAL(res.content_type, "application/json");
	CU_ASSERT_STRING_EQUAL(res.body.data, "{\"error\":\"no such resource\"}");

	CU_ASSERT_EQUAL(run(ENV("REQUEST_METHOD=DELETE", "REQUEST_URI=/hello"),
	    "", &res), 405);
	CU_ASSERT_PTR_NOT_NULL(strstr(res.head.data, "Allow: GET, HEAD\r\n"));
	CU_ASSERT_EQUAL(handler_calls, 0);
	gh_res_free(&res);
}

static void
test_auth_and_body(void)
{
	struct gh_res	res;

	gh_res_init(&res);
	/* No token: 401, the body is never read. */
	CU_ASSERT_EQUAL(run(ENV("REQUEST_METHOD=POST", "REQUEST_URI=/echo",
	    "CONTENT_LENGTH=2"), "hi", &res), 401);
	CU_ASSERT_EQUAL(reader_calls, 0);
	CU_ASSERT_EQUAL(handler_calls, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(res.head.data, "WWW-Authenticate: Bearer"));
	CU_ASSERT_EQUAL(res.secret, 1);

	/* Over the route's cap: 413 before auth and before reading. */
	CU_ASSERT_EQUAL(run(ENV("REQUEST_METHOD=POST", "REQUEST_URI=/echo",
	    "CONTENT_LENGTH=11"), "0123456789a", &res), 413);
	CU_ASSERT_EQUAL(reader_calls, 0);
	CU_ASSERT_PTR_NULL(strstr(res.head.data ? res.head.data : "",
	    "WWW-Authenticate"));

	CU_ASSERT_EQUAL(run(ENV("REQUEST_METHOD=POST", "REQUEST_URI=/echo",
	    "CONTENT_LENGTH=10", "HTTP_AUTHORIZATION=Bearer good"),
	    "0123456789", &res), 201);
	CU_ASSERT_EQUAL(reader_calls, 1);
	CU_ASSERT_EQUAL(res.body.len, 10);
	CU_ASSERT_EQUAL(memcmp(res.body.data, "0123456789", 10), 0);
	gh_res_free(&res);
}

static void
test_errors_masked(void)
{
	struct gh_res	res;

	gh_res_init(&res);
	/* A 5xx tells the client nothing about our internals. */
	CU_ASSERT_EQUAL(run(ENV("REQUEST_METHOD=GET", "REQUEST_URI=/broken"),
	    "", &res), 500);
	CU_ASSERT_PTR_NULL(strstr(res.body.data, "secret"));
	CU_ASSERT_STRING_EQUAL(res.body.data, "{\"error\":\"internal error\"}");

	/* A 503 keeps its message (which dependency is down) and Retry-After. */
	CU_ASSERT_EQUAL(run(ENV("REQUEST_METHOD=GET", "REQUEST_URI=/down"),
	    "", &res), 503);
	CU_ASSERT_STRING_EQUAL(res.body.data,
	    "{\"error\":\"registrar unavailable\"}");
	CU_ASSERT_PTR_NOT_NULL(strstr(res.head.data, "Retry-After: "));

	/* A handler that forgets its status is our bug: 500. */
	CU_ASSERT_EQUAL(run(ENV("REQUEST_METHOD=GET",
	    "REQUEST_URI=/nostatus"), "", &res), 500);
	gh_res_free(&res);
}

static void
test_render_bytes(void)
{
	struct gh_res	res;
	struct gh_buf	out;
	static const char want[] =
	    "Status: 200 OK\r\n"
	    "Content-Type: text/plain\r\n"
	    "Content-Length: 5\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "\r\n"
	    "hello";
	static const char want_secret_head[] =
	    "Status: 201 Created\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: 2\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "Cache-Control: no-store\r\n"
	    "Location: /x\r\n"
	    "\r\n";

	gh_res_init(&res);
	gh_buf_init(&out, 0);
	gh_res_text(&res, 200, "text/plain", "hello", 5);
	CU_ASSERT_EQUAL(gh_res_render(&res, 0, &out), GH_OK);
	CU_ASSERT_STRING_EQUAL(out.data, want);

	gh_res_reset(&res);
	gh_buf_reset(&out);
	res.secret = 1;
	gh_res_header(&res, "Location", "/x");
	gh_res_text(&res, 201, "application/json", "{}", 2);
	CU_ASSERT_EQUAL(gh_res_render(&res, 1, &out), GH_OK);	/* HEAD */
	CU_ASSERT_STRING_EQUAL(out.data, want_secret_head);

	gh_res_reset(&res);
	gh_buf_reset(&out);
	res.status = 204;
	CU_ASSERT_EQUAL(gh_res_render(&res, 0, &out), GH_OK);
	CU_ASSERT_STRING_EQUAL(out.data, "Status: 204 No Content\r\n"
	    "X-Content-Type-Options: nosniff\r\n\r\n");
	gh_buf_free(&out);
	gh_res_free(&res);
}

/* A streaming route: its own head, then the body upper-cased, 3 bytes a time. */
static enum gh_err
shout(struct gh_svc *sv, struct gh_req *req, struct gh_res *res)
{
	char	buf[3];
	ssize_t	r, i;

	res->status = 200;
	gh_res_header(res, "Content-Type", "text/plain");
	gh_res_header(res, "X-Streamed", "yes");
	if (gh_res_send_head(req, res, "Fine") != GH_OK)
		return GH_EIO;
	while ((r = gh_io_read(req->io, buf, sizeof(buf))) > 0) {
		for (i = 0; i < r; i++)
			buf[i] = (char)toupper((unsigned char)buf[i]);
		if (gh_io_write(req->io, buf, (size_t)r) != 0)
			return GH_EIO;
	}
	return r < 0 ? GH_EIO : GH_OK;
}

/*
 * Serve one CGI request in a child (stdin and stdout are pipes, so
 * FCGX_IsCGI() holds) with the given environment and body; out gets
 * what it wrote.  0 when the child exited 0.
 */
static int
run_cgi(struct gh_svc *sv, const char *const *env, const char *body,
    char *out, size_t outsz)
{
	char	var[256], *eq;
	int	in[2], res[2], status;
	size_t	got = 0;
	ssize_t	r;
	pid_t	pid;

	if (pipe(in) == -1 || pipe(res) == -1)
		return -1;
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		dup2(in[0], STDIN_FILENO);
		dup2(res[1], STDOUT_FILENO);
		close(in[0]);
		close(in[1]);
		close(res[0]);
		close(res[1]);
		for (; *env != NULL; env++) {
			gh_strlcpy(var, *env, sizeof(var));
			if ((eq = strchr(var, '=')) == NULL)
				_exit(2);
			*eq = '\0';
			setenv(var, eq + 1, 1);
		}
		_exit(gh_serve(sv));
	}
	close(in[0]);
	close(res[1]);
	if (write(in[1], body, strlen(body)) != (ssize_t)strlen(body))
		return -1;
	close(in[1]);
	while (got + 1 < outsz &&
	    (r = read(res[0], out + got, outsz - 1 - got)) > 0)
		got += (size_t)r;
	out[got] = '\0';
	close(res[0]);
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static void
test_stream_cgi(void)
{
	static const struct gh_route stream_routes[] = {
		{ GH_M(GH_POST), "/shout", shout,
		    GH_ROUTE_PUBLIC | GH_ROUTE_STREAM, 0 },
		{ GH_M(GH_POST), "/guarded", echo, GH_ROUTE_STREAM, 0 },
	};
	struct gh_svc	ssvc = {
		.name = "test",
		.routes = stream_routes,
		.nroutes = GH_NELEM(stream_routes),
		.auth = auth,
	};
	char		out[4096];

	/* The handler sees the whole body through io: serve read none. */
	CU_ASSERT_EQUAL(run_cgi(&ssvc, ENV("REQUEST_METHOD=POST",
	    "REQUEST_URI=/shout", "CONTENT_LENGTH=11"), "hello world", out,
	    sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, "Status: 200 Fine\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "Content-Type: text/plain\r\n"
	    "X-Streamed: yes\r\n"
	    "\r\n"
	    "HELLO WORLD");
	/* Refused before the body is read: the answer, the body dropped. */
	CU_ASSERT_EQUAL(run_cgi(&ssvc, ENV("REQUEST_METHOD=POST",
	    "REQUEST_URI=/guarded", "CONTENT_LENGTH=5"), "abcde", out,
	    sizeof(out)), 0);
	CU_ASSERT(strncmp(out, "Status: 401 ", 12) == 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "WWW-Authenticate: Bearer"));
}

/*
 * A body of unknown length (no CONTENT_LENGTH, a Transfer-Encoding: what
 * Apache's mod_cgid hands over for HTTP/2) is read to the end of stdin,
 * up to the route's cap; without a Transfer-Encoding there is no body.
 */
static void
test_unknown_length_cgi(void)
{
	char	out[4096];

	CU_ASSERT_EQUAL(run_cgi(&svc, ENV("REQUEST_METHOD=POST",
	    "REQUEST_URI=/echo", "HTTP_TRANSFER_ENCODING=chunked",
	    "HTTP_AUTHORIZATION=Bearer good"), "0123456789", out,
	    sizeof(out)), 0);
	CU_ASSERT(strncmp(out, "Status: 201 ", 12) == 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "Content-Length: 10\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\r\n\r\n0123456789"));

	/* One byte over the route's cap (10): 413, in the usual words. */
	CU_ASSERT_EQUAL(run_cgi(&svc, ENV("REQUEST_METHOD=POST",
	    "REQUEST_URI=/echo", "HTTP_TRANSFER_ENCODING=chunked",
	    "HTTP_AUTHORIZATION=Bearer good"), "0123456789a", out,
	    sizeof(out)), 0);
	CU_ASSERT(strncmp(out, "Status: 413 ", 12) == 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out,
	    "request body larger than 10 bytes"));

	/* Neither a length nor a Transfer-Encoding: no body, stdin unread. */
	CU_ASSERT_EQUAL(run_cgi(&svc, ENV("REQUEST_METHOD=POST",
	    "REQUEST_URI=/echo", "HTTP_AUTHORIZATION=Bearer good"), "junk",
	    out, sizeof(out)), 0);
	CU_ASSERT(strncmp(out, "Status: 201 ", 12) == 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "Content-Length: 0\r\n"));
}

/* A service's state of one request, as the handlers below see it. */
struct test_req {
	int	 seen;		/* what the last request left: must be 0 */
	char	 mark[8];
};

static int	ctx_dirty;	/* handlers that found a leftover */

static enum gh_err
stateful(struct gh_svc *s, struct gh_req *req, struct gh_res *res)
{
	struct test_req	*rq = req->ctx;

	if (rq == NULL || rq != s->reqctx)
		return gh_fail(res, GH_EINTERNAL, "no request state");
	if (rq->seen != 0 || rq->mark[0] != '\0')
		ctx_dirty++;
	rq->seen = 1;
	gh_strlcpy(rq->mark, "used", sizeof(rq->mark));
	return gh_res_text(res, 200, "text/plain", "ok", 2);
}

/* serve zeroes the service's request state before every request. */
static void
test_request_state(void)
{
	static const struct gh_route	 r[] = {
		{ GH_M(GH_GET), "/s", stateful, GH_ROUTE_PUBLIC, 0 },
	};
	struct test_req			 rq;
	struct gh_svc			 s = {
		.name = "test",
		.routes = r,
		.nroutes = GH_NELEM(r),
		.reqctx = &rq,
		.reqctx_size = sizeof(rq),
	};
	struct gh_req			 req;
	struct gh_res			 res;
	int				 i;

	memset(&rq, 0xff, sizeof(rq));	/* garbage before the first */
	gh_req_init(&req);
	gh_res_init(&res);
	ctx_dirty = 0;
	for (i = 0; i < 3; i++) {
		gh_req_reset(&req);
		gh_res_reset(&res);
		CU_ASSERT_EQUAL_FATAL(gh_req_parse(&req,
		    ENV("REQUEST_METHOD=GET", "REQUEST_URI=/s"), 0, &res),
		    GH_OK);
		gh_dispatch(&s, &req, &res, NULL, NULL);
		CU_ASSERT_EQUAL(res.status, 200);
		CU_ASSERT_PTR_EQUAL(req.ctx, &rq);
		/* Kept until the next request, for the after hook. */
		CU_ASSERT_EQUAL(rq.seen, 1);
	}
	CU_ASSERT_EQUAL(ctx_dirty, 0);
	/* A service without request state gets none. */
	gh_req_reset(&req);
	gh_res_reset(&res);
	CU_ASSERT_EQUAL_FATAL(gh_req_parse(&req, ENV("REQUEST_METHOD=GET",
	    "REQUEST_URI=/hello"), 0, &res), GH_OK);
	gh_dispatch(&svc, &req, &res, NULL, NULL);
	CU_ASSERT_EQUAL(res.status, 200);
	CU_ASSERT_PTR_NULL(req.ctx);
	gh_req_free(&req);
	gh_res_free(&res);
}

static void
plain_errors(struct gh_svc *s, struct gh_req *req, struct gh_res *res)
{
	gh_res_text(res, res->status, "text/plain", "plain", 5);
}

/* A route's GH_ROUTE_JSON_ERRORS overrides the service's error body. */
static void
test_json_errors_flag(void)
{
	static const struct gh_route	 r[] = {
		{ GH_M(GH_GET), "/plain", down, GH_ROUTE_PUBLIC, 0 },
		{ GH_M(GH_GET), "/json", down,
		    GH_ROUTE_PUBLIC | GH_ROUTE_JSON_ERRORS, 0 },
	};
	struct gh_svc			 s = {
		.name = "test",
		.routes = r,
		.nroutes = GH_NELEM(r),
		.error_body = plain_errors,
	};
	struct gh_req			 req;
	struct gh_res			 res;

	gh_req_init(&req);
	gh_res_init(&res);
	CU_ASSERT_EQUAL_FATAL(gh_req_parse(&req, ENV("REQUEST_METHOD=GET",
	    "REQUEST_URI=/plain"), 0, &res), GH_OK);
	gh_dispatch(&s, &req, &res, NULL, NULL);
	CU_ASSERT_EQUAL(res.status, 503);
	CU_ASSERT_STRING_EQUAL(res.content_type, "text/plain");

	gh_req_reset(&req);
	gh_res_reset(&res);
	CU_ASSERT_EQUAL_FATAL(gh_req_parse(&req, ENV("REQUEST_METHOD=GET",
	    "REQUEST_URI=/json"), 0, &res), GH_OK);
	gh_dispatch(&s, &req, &res, NULL, NULL);
	CU_ASSERT_EQUAL(res.status, 503);
	CU_ASSERT_STRING_EQUAL(res.content_type, "application/json");
	CU_ASSERT_PTR_NOT_NULL(strstr(res.body.data, "\"error\""));
	gh_req_free(&req);
	gh_res_free(&res);
}


/* --- FastCGI -------------------------------------------------------------- */

static int	fcgi_note = -1;	/* the child's end of a pipe of hook marks */

static void
fcgi_after(struct gh_svc *s)
{
	(void)s;
	(void)!write(fcgi_note, "a", 1);
}

/* Called before every wait: asks to be called again within 20 ms. */
static int
fcgi_idle(struct gh_svc *s)
{
	(void)s;
	(void)!write(fcgi_note, "i", 1);
	return 20;
}

/* A FastCGI record header for request 1 and len bytes of type. */
static void
fcgi_header(unsigned char *h, int type, size_t len)
{
	h[0] = 1;
	h[1] = (unsigned char)type;
	h[2] = 0;
	h[3] = 1;
	h[4] = (unsigned char)(len >> 8);
	h[5] = (unsigned char)len;
	h[6] = h[7] = 0;
}

/* One FastCGI exchange for GET path on the socket at sun; the reply's
 * STDOUT content into out.  0 when the reply ended with END_REQUEST. */
static int
fcgi_get(const struct sockaddr_un *sun, const char *path, char *out,
    size_t outsz)
{
	unsigned char	 msg[1024], rec[8 + 65535 + 255], *p = msg;
	char		 uri[256];
	const char	*pairs[2][2] = {
		{ "REQUEST_METHOD", "GET" }, { "REQUEST_URI", uri },
	};
	size_t		 i, n, len, got = 0, have = 0;
	ssize_t		 r;
	int		 fd, ended = 0;

	snprintf(uri, sizeof(uri), "%s", path);
	/* BEGIN_REQUEST: role 1 (responder), flags 0 (close after). */
	fcgi_header(p, 1, 8);
	memset(p + 8, 0, 8);
	p[9] = 1;
	p += 16;
	for (n = 0, i = 0; i < 2; i++)
		n += 2 + strlen(pairs[i][0]) + strlen(pairs[i][1]);
	fcgi_header(p, 4, n);
	p += 8;
	for (i = 0; i < 2; i++) {
		*p++ = (unsigned char)strlen(pairs[i][0]);
		*p++ = (unsigned char)strlen(pairs[i][1]);
		memcpy(p, pairs[i][0], strlen(pairs[i][0]));
		p += strlen(pairs[i][0]);
		memcpy(p, pairs[i][1], strlen(pairs[i][1]));
		p += strlen(pairs[i][1]);
	}
	fcgi_header(p, 4, 0);	/* end of PARAMS */
	p += 8;
	fcgi_header(p, 5, 0);	/* empty STDIN */
	p += 8;
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return -1;
	if (connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == -1 ||
	    write(fd, msg, (size_t)(p - msg)) != p - msg) {
		close(fd);
		return -1;
	}
	for (;;) {
		if (have >= 8) {
			len = (size_t)rec[4] << 8 | rec[5];
			if (have >= 8 + len + rec[6]) {
				if (rec[1] == 6 && got + len < outsz) {
					memcpy(out + got, rec + 8, len);
					got += len;
				}
				if (rec[1] == 3)
					ended = 1;
				have -= 8 + len + rec[6];
				memmove(rec, rec + 8 + len + rec[6], have);
				continue;
			}
		}
		if ((r = read(fd, rec + have, sizeof(rec) - have)) <= 0)
			break;
		have += (size_t)r;
	}
	close(fd);
	out[got] = '\0';
	return ended ? 0 : -1;
}

/* The marks written since the last call (at most size - 1), after ms. */
static void
fcgi_marks(int fd, int ms, char *buf, size_t size)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };
	size_t		n = 0;
	ssize_t		r;

	usleep((useconds_t)ms * 1000);
	while (n + 1 < size && poll(&pfd, 1, 0) == 1 &&
	    (r = read(fd, buf + n, size - 1 - n)) > 0)
		n += (size_t)r;
	buf[n] = '\0';
}

static int
count_char(const char *s, int c)
{
	int	n = 0;

	for (; *s != '\0'; s++)
		n += *s == c;
	return n;
}

/*
 * gh_serve() as a FastCGI program on a listening Unix socket (descriptor
 * 0, as web servers start it): two requests on two connections, each
 * followed by the after hook; the idle hook called again and again while
 * no request comes, by its deadline; SIGTERM ends the wait and
 * gh_serve() returns (exit status 0, the mark written after it).
 */
static void
test_fastcgi_loop(void)
{
	struct gh_svc		 fsvc = {
		.name = "test",
		.routes = routes,
		.nroutes = GH_NELEM(routes),
		.auth = auth,
		.after = fcgi_after,
		.idle = fcgi_idle,
	};
	struct sockaddr_un	 sun;
	char			 out[4096], marks[256];
	int			 lfd, note[2], status;
	pid_t			 pid;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	/* Abstract (Linux): nothing to clean up. */
	snprintf(sun.sun_path + 1, sizeof(sun.sun_path) - 1,
	    "gh-test-serve-%ld", (long)getpid());
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	CU_ASSERT_FATAL(lfd >= 0);
	CU_ASSERT_FATAL(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) == 0);
	CU_ASSERT_FATAL(listen(lfd, 8) == 0);
	CU_ASSERT_FATAL(pipe(note) == 0);
	CU_ASSERT_FATAL((pid = fork()) != -1);
	if (pid == 0) {
		close(note[0]);
		fcgi_note = note[1];
		if (dup2(lfd, STDIN_FILENO) == -1)
			_exit(3);
		close(lfd);
		status = gh_serve(&fsvc);
		(void)!write(fcgi_note, "s", 1);
		_exit(status);
	}
	close(lfd);
	close(note[1]);

	CU_ASSERT_EQUAL(fcgi_get(&sun, "/hello", out, sizeof(out)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "Status: 200"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\r\n\r\nhello"));
	CU_ASSERT_EQUAL(fcgi_get(&sun, "/nowhere", out, sizeof(out)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "Status: 404"));
	/* Idle for 200 ms: the hook is due every 20 ms. */
	fcgi_marks(note[0], 200, marks, sizeof(marks));
	CU_ASSERT_EQUAL(count_char(marks, 'a'), 2);
	CU_ASSERT(count_char(marks, 'i') >= 4);
	CU_ASSERT_EQUAL(count_char(marks, 's'), 0);

	CU_ASSERT_EQUAL(kill(pid, SIGTERM), 0);
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	fcgi_marks(note[0], 0, marks, sizeof(marks));
	CU_ASSERT_EQUAL(count_char(marks, 's'), 1);
	close(note[0]);
}

static const struct tcase tests[] = {
	TCASE(test_routes),
	TCASE(test_auth_and_body),
	TCASE(test_errors_masked),
	TCASE(test_stream_cgi),
	TCASE(test_unknown_length_cgi),
	TCASE(test_render_bytes),
	TCASE(test_request_state),
	TCASE(test_json_errors_flag),
	TCASE(test_fastcgi_loop),
};
TMAIN("serve", tests)
