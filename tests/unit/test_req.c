/* SPDX-License-Identifier: ISC */
/* Unit tests for lib/req.c: parsing with bounds, queries, responses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "req.h"
#include "tmain.h"

#define ENV(...)	((const char *const[]){ __VA_ARGS__, NULL })

static void
test_parse_basic(void)
{
	/* Named, not a compound literal: req keeps pointing into it. */
	const char *const env[] = { "REQUEST_METHOD=POST",
	    "REQUEST_URI=/v1/site?a=1&b=x%20y", "CONTENT_LENGTH=12",
	    "REMOTE_ADDR=::1", "CONTENT_TYPE=application/json; charset=utf-8",
	    "HTTP_AUTHORIZATION=Bearer abc", NULL };
	struct gh_req	req;
	struct gh_res	res;

	gh_req_init(&req);
	gh_res_init(&res);
	CU_ASSERT_EQUAL(gh_req_parse(&req, env, 100, &res), GH_OK);
	CU_ASSERT_EQUAL(req.method, GH_POST);
	CU_ASSERT_STRING_EQUAL(req.method_name, "POST");
	CU_ASSERT_STRING_EQUAL(req.path, "/v1/site");
	CU_ASSERT_STRING_EQUAL(req.query, "a=1&b=x%20y");
	CU_ASSERT_EQUAL(req.content_length, 12);
	CU_ASSERT_STRING_EQUAL(req.remote_addr, "::1");
	CU_ASSERT_STRING_EQUAL(gh_req_param(&req, "HTTP_AUTHORIZATION"),
	    "Bearer abc");
	CU_ASSERT_PTR_NULL(gh_req_param(&req, "HTTP_AUTH"));
	CU_ASSERT_TRUE(gh_req_is_type(&req, "application/json"));
	CU_ASSERT_FALSE(gh_req_is_type(&req, "application/js"));
	CU_ASSERT_FALSE(gh_req_is_type(&req, "text/plain"));
	gh_req_free(&req);
	gh_res_free(&res);
}

static void
test_parse_cgi_fallback(void)
{
	/* No REQUEST_URI: SCRIPT_NAME + PATH_INFO and QUERY_STRING. */
	const char *const env[] = { "REQUEST_METHOD=GET", "SCRIPT_NAME=/v1",
	    "PATH_INFO=/domain/x.gent", "QUERY_STRING=q=1", NULL };
	struct gh_req	req;
	struct gh_res	res;

	gh_req_init(&req);
	gh_res_init(&res);
	CU_ASSERT_EQUAL(gh_req_parse(&req, env, 0, &res), GH_OK);
	CU_ASSERT_STRING_EQUAL(req.path, "/v1/domain/x.gent");
	CU_ASSERT_STRING_EQUAL(req.query, "q=1");
	CU_ASSERT_EQUAL(req.content_length, -1);
	gh_req_free(&req);
	gh_res_free(&res);
}

static void
test_parse_replaced_method(void)
{
	/*
	 * lighttpd's error handler passes a bodyless POST on as a GET and
	 * names the method it replaced (httpd-conf/errors.lua).
	 */
	const char *const env[] = { "REQUEST_METHOD=GET",
	    "GATEHOUSE_REQUEST_METHOD=POST", "REDIRECT_STATUS=411",
	    "REQUEST_URI=/api/v1/certificate/1/revoke?reason=keyCompromise",
	    "REDIRECT_URI=/.gatehouse-error", "CONTENT_LENGTH=0", NULL };
	const char *const plain[] = { "REQUEST_METHOD=GET",
	    "REQUEST_URI=/", NULL };
	struct gh_req	req;
	struct gh_res	res;

	gh_req_init(&req);
	gh_res_init(&res);
	CU_ASSERT_EQUAL(gh_req_parse(&req, env, 100, &res), GH_OK);
	CU_ASSERT_EQUAL(req.method, GH_POST);
	CU_ASSERT_STRING_EQUAL(req.method_name, "POST");
	CU_ASSERT_STRING_EQUAL(req.path, "/api/v1/certificate/1/revoke");
	CU_ASSERT_STRING_EQUAL(req.query, "reason=keyCompromise");
	CU_ASSERT_EQUAL(req.content_length, 0);
	gh_req_reset(&req);
	gh_res_reset(&res);
	CU_ASSERT_EQUAL(gh_req_parse(&req, plain, 100, &res), GH_OK);
	CU_ASSERT_EQUAL(req.method, GH_GET);
	gh_req_free(&req);
	gh_res_free(&res);
}

static void
test_parse_limits(void)
{
	struct gh_req	 req;
	struct gh_res	 res;
	static char	 uri[GH_PATH_MAX + 64], hdr[GH_HEADERS_MAX + 64];

	gh_req_init(&req);
	gh_res_init(&res);

	/* Unknown methods parse (the router answers 405). */
	CU_ASSERT_EQUAL(gh_req_parse(&req, ENV("REQUEST_METHOD=BREW",
	    "REQUEST_URI=/"), 0, &res), GH_OK);
	CU_ASSERT_EQUAL(req.method, GH_METHOD__MAX);

	gh_req_reset(&req); gh_res_reset(&res);
	CU_ASSERT_EQUAL(gh_req_parse(&req, ENV("REQUEST_URI=/"), 0, &res),
	    GH_EINVAL);

	/* Body over the cap: 413 before anything is read. */
	gh_req_reset(&req); gh_res_reset(&res);
	CU_ASSERT_EQUAL(gh_req_parse(&req, ENV("REQUEST_METHOD=POST",
	    "REQUEST_URI=/", "CONTENT_LENGTH=101"), 100, &res), GH_ETOOBIG);
	CU_ASSERT_EQUAL(res.status, 413);
	gh_req_reset(&req); gh_res_reset(&res);
	CU_ASSERT_EQUAL(gh_req_parse(&req, ENV("REQUEST_METHOD=POST",
	    "REQUEST_URI=/", "CONTENT_LENGTH=100"), 100, &res), GH_OK);
	gh_req_reset(&req); gh_res_reset(&res);
	CU_ASSERT_EQUAL(gh_req_parse(&req, ENV("REQUEST_METHOD=POST",
	    "REQUEST_URI=/", "CONTENT_LENGTH=-1"), 100, &res), GH_EINVAL);
	gh_req_reset(&req); gh_res_reset(&res);
	CU_ASSERT_EQUAL(gh_req_parse(&req, ENV("REQUEST_METHOD=POST",
	    "REQUEST_URI=/", "CONTENT_LENGTH=12x"), 100, &res), GH_EINVAL);

	/* Path: exactly the cap passes, one more is 414. */
	memcpy(uri, "REQUEST_URI=/", 13);
	memset(uri + 13, 'a', GH_PATH_MAX - 1);
	uri[13 + GH_PATH_MAX - 1] = '\0';
	gh_req_reset(&req); gh_res_reset(&res);
	CU_ASSERT_EQUAL(gh_req_parse(&req, ENV("REQUEST_METHOD=GET", uri), 0,
	    &res), GH_OK);
	CU_ASSERT_EQUAL(strlen(req.path), GH_PATH_MAX);
	uri[13 + GH_PATH_MAX - 1] = 'a';
	uri[13 + GH_PATH_MAX] = '\0';
	gh_req_reset(&req); gh_res_reset(&res);
	CU_ASSERT_EQUAL(gh_req_parse(&req, ENV("REQUEST_METHOD=GET", uri), 0,
	    &res), GH_ETOOLONG);
	CU_ASSERT_EQUAL(res.status, 414);

	/* Relative paths are refused. */
	gh_req_reset(&req); gh_res_reset(&res);
	CU_ASSERT_EQUAL(gh_req_parse(&req, ENV("REQUEST_METHOD=GET",
	    "REQUEST_URI=v1"), 0, &res), GH_EINVAL);

	/* Headers over the cap: 431. */
	memcpy(hdr, "HTTP_X_BIG=", 11);
	memset(hdr + 11, 'h', GH_HEADERS_MAX);
	hdr[11 + GH_HEADERS_MAX] = '\0';
	gh_req_reset(&req); gh_res_reset(&res);
	CU_ASSERT_EQUAL(gh_req_parse(&req, ENV("REQUEST_METHOD=GET",
	    "REQUEST_URI=/", hdr), 0, &res), GH_ETOOLONG);
	CU_ASSERT_EQUAL(res.status, 431);

	gh_req_free(&req);
	gh_res_free(&res);
}

static void
test_pct_decode(void)
{
	static const struct {
		int		 line;
		const char	*in;
		int		 plus;
		enum gh_err	 want;
		const char	*out;
	} t[] = {
		{ __LINE__, "abc", 0, GH_OK, "abc" },
		{ __LINE__, "a%20b", 0, GH_OK, "a b" },
		{ __LINE__, "a+b", 0, GH_OK, "a+b" },
		{ __LINE__, "a+b", 1, GH_OK, "a b" },
		{ __LINE__, "%41%6a", 0, GH_OK, "Aj" },
		{ __LINE__, "%", 0, GH_EINVAL, NULL },
		{ __LINE__, "%4", 0, GH_EINVAL, NULL },
		{ __LINE__, "%g1", 0, GH_EINVAL, NULL },
		{ __LINE__, "%00", 0, GH_EINVAL, NULL },
		{ __LINE__, "", 0, GH_OK, "" },
		{ __LINE__, "12345678", 0, GH_ETOOLONG, NULL },	/* out is 8 */
		{ __LINE__, "1234567", 0, GH_OK, "1234567" },
	};
	char	out[8];
	size_t	i, n;

	for (i = 0; i < GH_NELEM(t); i++) {
		enum gh_err err = gh_pct_decode(t[i].in, strlen(t[i].in),
		    t[i].plus, out, sizeof(out), &n);
		TROW(t[i].line, err == t[i].want);
		if (err == GH_OK && t[i].out != NULL)
			TROW(t[i].line, strcmp(out, t[i].out) == 0 &&
			    n == strlen(t[i].out));
	}
}

static void
test_query(void)
{
	struct gh_req	req;
	char		out[16];

	gh_req_init(&req);
	gh_strlcpy(req.query, "post_id=42&flag&name=a+b%21&post_idx=9&long="
	    "0123456789abcdef", sizeof(req.query));
	CU_ASSERT_EQUAL(gh_req_query(&req, "post_id", out, sizeof(out)), GH_OK);
	CU_ASSERT_STRING_EQUAL(out, "42");
	CU_ASSERT_EQUAL(gh_req_query(&req, "flag", out, sizeof(out)), GH_OK);
	CU_ASSERT_STRING_EQUAL(out, "");
	CU_ASSERT_EQUAL(gh_req_query(&req, "name", out, sizeof(out)), GH_OK);
	CU_ASSERT_STRING_EQUAL(out, "a b!");
	CU_ASSERT_EQUAL(gh_req_query(&req, "post", out, sizeof(out)),
	    GH_ENOTFOUND);
	CU_ASSERT_EQUAL(gh_req_query(&req, "long", out, sizeof(out)), GH_EINVAL);
	gh_req_free(&req);
}

static void
test_response(void)
{
	struct gh_res	res;

	gh_res_init(&res);
	CU_ASSERT_EQUAL(gh_res_header(&res, "Location", "/v1/site/%s", "x.gent"),
	    GH_OK);
	/* A header value with CR or LF is refused and leaves nothing behind. */
	CU_ASSERT_NOT_EQUAL(gh_res_header(&res, "X-Evil", "a\r\nSet-Cookie: x"),
	    GH_OK);
	CU_ASSERT_NOT_EQUAL(gh_res_header(&res, "X-Evil", "a\nb"), GH_OK);
	CU_ASSERT_STRING_EQUAL(res.head.data, "Location: /v1/site/x.gent\r\n");

	CU_ASSERT_EQUAL(gh_fail(&res, GH_ECONFLICT, "taken: %s", "x"),
	    GH_ECONFLICT);
	CU_ASSERT_EQUAL(res.status, 409);
	CU_ASSERT_STRING_EQUAL(res.errmsg, "taken: x");

	CU_ASSERT_EQUAL(gh_res_text(&res, 200, "text/plain", "hi", 2), GH_OK);
	CU_ASSERT_EQUAL(res.body.len, 2);
	CU_ASSERT_STRING_EQUAL(res.content_type, "text/plain");

	gh_res_reset(&res);
	CU_ASSERT_EQUAL(res.status, 0);
	CU_ASSERT_EQUAL(res.head.len, 0);
	CU_ASSERT_EQUAL(res.err, GH_OK);
	gh_res_free(&res);

	CU_ASSERT_STRING_EQUAL(gh_status_text(404), "Not Found");
	CU_ASSERT_STRING_EQUAL(gh_status_text(218), "This is fine");
	CU_ASSERT_STRING_EQUAL(gh_method_name(GH_PATCH), "PATCH");
}

/* The {"error": …} body, with the message escaped as JSON needs. */
static void
test_error_json(void)
{
	struct gh_res	res;

	gh_res_init(&res);
	(void)gh_fail(&res, GH_ENOTFOUND, "no \"order\" here");
	CU_ASSERT_EQUAL(gh_res_error_json(&res), GH_OK);
	CU_ASSERT_EQUAL(res.status, 404);
	CU_ASSERT_STRING_EQUAL(res.content_type, "application/json");
	CU_ASSERT_EQUAL_FATAL(res.body.len,
	    strlen("{\"error\":\"no \\\"order\\\" here\"}"));
	CU_ASSERT_NSTRING_EQUAL(res.body.data,
	    "{\"error\":\"no \\\"order\\\" here\"}", res.body.len);
	gh_res_free(&res);
}

static const struct tcase tests[] = {
	TCASE(test_parse_basic),
	TCASE(test_parse_cgi_fallback),
	TCASE(test_parse_replaced_method),
	TCASE(test_parse_limits),
	TCASE(test_pct_decode),
	TCASE(test_query),
	TCASE(test_response),
	TCASE(test_error_json),
};
TMAIN("req", tests)
