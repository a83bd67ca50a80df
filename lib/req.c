/* SPDX-License-Identifier: ISC */
/*
 * req: parse one request from its CGI-style parameters, with a bound on
 * everything, and build its response.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "json.h"
#include "req.h"

static const char *const method_names[GH_METHOD__MAX] = {
	[GH_GET] = "GET",
	[GH_HEAD] = "HEAD",
	[GH_POST] = "POST",
	[GH_PUT] = "PUT",
	[GH_PATCH] = "PATCH",
	[GH_DELETE] = "DELETE",
	[GH_OPTIONS] = "OPTIONS",
};

void
gh_req_init(struct gh_req *req)
{
	memset(req, 0, sizeof(*req));
	gh_buf_init(&req->body, 0);
	gh_req_reset(req);
}

/* Forget the previous request but keep the body buffer's memory. */
void
gh_req_reset(struct gh_req *req)
{
	req->method = GH_METHOD__MAX;
	req->method_name = "";
	req->path[0] = '\0';
	req->query[0] = '\0';
	req->capbuf[0] = '\0';
	req->ncap = 0;
	req->env = NULL;
	req->remote_addr = "";
	req->content_length = -1;
	gh_buf_reset(&req->body);
	req->route = NULL;
	req->principal = NULL;
	req->ctx = NULL;
	req->io = NULL;
	req->start_us = 0;
}

void
gh_req_free(struct gh_req *req)
{
	if (req == NULL)
		return;
	gh_buf_free(&req->body);
}

void
gh_res_init(struct gh_res *res)
{
	memset(res, 0, sizeof(*res));
	gh_buf_init(&res->head, 16 * 1024);
	gh_buf_init(&res->body, 0);
	gh_res_reset(res);
}

void
gh_res_reset(struct gh_res *res)
{
	res->status = 0;
	res->content_type = NULL;
	gh_buf_reset(&res->head);
	gh_buf_reset(&res->body);
	res->err = GH_OK;
	res->errmsg[0] = '\0';
	res->allow = 0;
	res->secret = 0;
	res->sent = 0;
}

void
gh_res_free(struct gh_res *res)
{
	if (res == NULL)
		return;
	gh_buf_free(&res->head);
	gh_buf_free(&res->body);
}

const char *
gh_method_name(enum gh_method m)
{
	if ((unsigned)m >= GH_METHOD__MAX)
		return "?";
	return method_names[m];
}

enum gh_err
gh_method_parse(const char *s, enum gh_method *out)
{
	size_t	i;

	for (i = 0; i < GH_METHOD__MAX; i++)
		if (strcmp(s, method_names[i]) == 0) {
			*out = (enum gh_method)i;
			return GH_OK;
		}
	return GH_EMETHOD;
}

const char *
gh_req_param(const struct gh_req *req, const char *name)
{
	const char *const	*e;
	size_t		 n;

	if (req->env == NULL)
		return NULL;
	n = strlen(name);
	for (e = req->env; *e != NULL; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

enum gh_err
gh_pct_decode(const char *s, size_t n, int plus, char *out, size_t outsz,
    size_t *outlen)
{
	size_t	i, o = 0;
	int	hi, lo, c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == '%') {
			if (n - i < 3)
				return GH_EINVAL;
			if ((hi = hexval((unsigned char)s[i + 1])) < 0 ||
			    (lo = hexval((unsigned char)s[i + 2])) < 0)
				return GH_EINVAL;
			c = hi << 4 | lo;
			i += 2;
		} else if (c == '+' && plus)
			c = ' ';
		if (c == '\0')
			return GH_EINVAL;
		if (o + 1 >= outsz)
			return GH_ETOOLONG;
		out[o++] = (char)c;
	}
	if (outsz == 0)
		return GH_ETOOLONG;
	out[o] = '\0';
	if (outlen != NULL)
		*outlen = o;
	return GH_OK;
}

/*
 * Split REQUEST_URI (or SCRIPT_NAME + PATH_INFO and QUERY_STRING when a
 * server gives no REQUEST_URI) into req->path and req->query.
 */
static enum gh_err
parse_uri(struct gh_req *req, struct gh_res *res)
{
	const char	*uri, *q, *qs;
	size_t		 plen;

	if ((uri = gh_req_param(req, "REQUEST_URI")) != NULL && *uri != '\0') {
		if ((q = strchr(uri, '?')) != NULL) {
			plen = (size_t)(q - uri);
			qs = q + 1;
		} else {
			plen = strlen(uri);
			qs = "";
		}
		if (plen > GH_PATH_MAX)
			return gh_fail(res, GH_ETOOLONG, "path too long");
		memcpy(req->path, uri, plen);
		req->path[plen] = '\0';
	} else {
		const char *sn = gh_req_param(req, "SCRIPT_NAME");
		const char *pi = gh_req_param(req, "PATH_INFO");

		req->path[0] = '\0';
		if (gh_strlcat(req->path, sn ? sn : "", sizeof(req->path)) >=
		    sizeof(req->path) ||
		    gh_strlcat(req->path, pi ? pi : "", sizeof(req->path)) >=
		    sizeof(req->path))
			return gh_fail(res, GH_ETOOLONG, "path too long");
		qs = gh_req_param(req, "QUERY_STRING");
		if (qs == NULL)
			qs = "";
	}
	if (req->path[0] != '/')
		return gh_fail(res, GH_EINVAL, "path must start with /");
	if (gh_strlcpy(req->query, qs, sizeof(req->query)) >= sizeof(req->query))
		return gh_fail(res, GH_ETOOLONG, "query too long");
	return GH_OK;
}

enum gh_err
gh_req_parse(struct gh_req *req, const char *const *env, size_t body_max,
    struct gh_res *res)
{
	const char	*s, *errstr;
	const char *const	*e;
	size_t		 hdr = 0;
	enum gh_err	 err;

	req->env = env;
	/*
	 * A web server that had to replace the method says which it was:
	 * lighttpd's parser refuses a POST without Content-Length (411), and
	 * its error handler (httpd-conf/errors.lua) passes the request on as
	 * a GET with GATEHOUSE_REQUEST_METHOD=POST and an empty body, which
	 * is what HTTP makes of it.  Only the server can set it: a client's
	 * headers all become HTTP_* parameters.
	 */
	if ((s = gh_req_param(req, "GATEHOUSE_REQUEST_METHOD")) == NULL &&
	    (s = gh_req_param(req, "REQUEST_METHOD")) == NULL)
		return gh_fail(res, GH_EINVAL, "no request method");
	req->method_name = s;
	if (gh_method_parse(s, &req->method) != GH_OK)
		req->method = GH_METHOD__MAX;	/* routes to 405 */
	if ((s = gh_req_param(req, "REMOTE_ADDR")) != NULL)
		req->remote_addr = s;

	for (e = env; *e != NULL; e++)
		if (strncmp(*e, "HTTP_", 5) == 0)
			hdr += strlen(*e);
	if (hdr > GH_HEADERS_MAX) {
		err = gh_fail(res, GH_ETOOLONG, "request headers too large");
		res->status = 431;
		return err;
	}
	if ((err = parse_uri(req, res)) != GH_OK)
		return err;

	if ((s = gh_req_param(req, "CONTENT_LENGTH")) != NULL && *s != '\0') {
		req->content_length = gh_strtonum(s, 0, 1LL << 50, &errstr);
		if (errstr != NULL)
			return gh_fail(res, GH_EINVAL, "bad Content-Length");
		if (body_max > 0 && (unsigned long long)req->content_length >
		    body_max)
			return gh_fail(res, GH_ETOOBIG,
			    "request body larger than %zu bytes", body_max);
	}
	return GH_OK;
}

enum gh_err
gh_req_query(const struct gh_req *req, const char *name, char *out,
    size_t outsz)
{
	const char	*p = req->query, *amp, *eq;
	size_t		 n = strlen(name), seglen;
	enum gh_err	 err;

	while (*p != '\0') {
		amp = strchr(p, '&');
		seglen = amp ? (size_t)(amp - p) : strlen(p);
		eq = memchr(p, '=', seglen);
		if ((eq ? (size_t)(eq - p) : seglen) == n &&
		    strncmp(p, name, n) == 0) {
			if (eq == NULL)
				return gh_pct_decode("", 0, 1, out, outsz, NULL);
			err = gh_pct_decode(eq + 1, seglen - n - 1, 1, out,
			    outsz, NULL);
			return err == GH_ETOOLONG ? GH_EINVAL : err;
		}
		if (amp == NULL)
			break;
		p = amp + 1;
	}
	return GH_ENOTFOUND;
}

int
gh_req_is_type(const struct gh_req *req, const char *type)
{
	const char	*ct = gh_req_param(req, "CONTENT_TYPE");
	size_t		 n = strlen(type);

	if (ct == NULL || strncasecmp(ct, type, n) != 0)
		return 0;
	ct += n;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}

enum gh_err
gh_fail(struct gh_res *res, enum gh_err err, const char *fmt, ...)
{
	va_list	ap;

	res->err = err;
	res->status = gh_err_status(err);
	va_start(ap, fmt);
	vsnprintf(res->errmsg, sizeof(res->errmsg), fmt, ap);
	va_end(ap);
	return err;
}

enum gh_err
gh_res_header(struct gh_res *res, const char *name, const char *fmt, ...)
{
	va_list		 ap;
	size_t		 mark = res->head.len;
	enum gh_err	 err;

	if ((err = gh_buf_printf(&res->head, "%s: ", name)) != GH_OK)
		return err;
	va_start(ap, fmt);
	err = gh_buf_vprintf(&res->head, fmt, ap);
	va_end(ap);
	if (err == GH_OK)
		err = gh_buf_add(&res->head, "\r\n", 2);
	/* A CR or LF from anywhere would split the header: refuse the line. */
	if (err == GH_OK &&
	    strcspn(res->head.data + mark, "\r\n") != res->head.len - mark - 2)
		err = GH_EINTERNAL;
	if (err != GH_OK) {
		res->head.len = mark;
		if (res->head.data != NULL)
			res->head.data[mark] = '\0';
	}
	return err;
}

enum gh_err
gh_res_json(struct gh_res *res, int status, struct json_object *obj)
{
	const char	*s;
	size_t		 n;

	s = gh_json_str(obj, &n);
	return gh_res_text(res, status, "application/json", s, n);
}

enum gh_err
gh_res_error_json(struct gh_res *res)
{
	struct json_object	*o;
	enum gh_err		 err;

	if ((o = json_object_new_object()) == NULL)
		return GH_ENOMEM;
	if ((err = gh_json_add(o, "error",
	    json_object_new_string(res->errmsg))) == GH_OK)
		err = gh_res_json(res, res->status, o);
	json_object_put(o);
	return err;
}

enum gh_err
gh_res_text(struct gh_res *res, int status, const char *type, const char *text,
    size_t len)
{
	enum gh_err	err;

	gh_buf_reset(&res->body);
	if ((err = gh_buf_add(&res->body, text, len)) != GH_OK)
		return err;
	res->status = status;
	res->content_type = type;
	return GH_OK;
}

const char *
gh_status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 218: return "This is fine";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 417: return "Expectation Failed";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "Unknown";
	}
}
