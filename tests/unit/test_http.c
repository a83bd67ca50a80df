/* SPDX-License-Identifier: ISC */
/*
 * test_http: outgoing requests against a loopback server started by the
 * test (tserver.h): the exact bytes of a PATCH, statuses passed through,
 * redirects not followed, refused connections, the time limit, schemes
 * that are not allowed, an oversized body cut off, the one handle
 * reused across requests, and the address policy refusing a loopback
 * server (by address, by name, IPv4-mapped) that it does not allow.
 */
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "http.h"
#include "util.h"
#include "tdir.h"
#include "tmain.h"
#include "tserver.h"

/* CURLOPT_WRITEFUNCTION for test_guard: the body is not looked at. */
static size_t
drop(char *p, size_t size, size_t nmemb, void *arg)
{
	(void)p;
	(void)arg;
	return size * nmemb;
}

/* A request with short limits to url. */
static struct gh_http_req
req_to(const char *url, int allow_http)
{
	struct gh_http_req	r;

	memset(&r, 0, sizeof(r));
	r.method = "PATCH";
	r.url = url;
	r.connect_timeout_ms = 1000;
	r.timeout_ms = 2000;
	r.allow_http = allow_http;
	return r;
}

/* The bytes on the wire: method, path and query, our headers, the body. */
static void
test_patch(void)
{
	static const char *const	 replies[] = { TS_204 };
	static const char *const	 hdrs[] = {
		"Content-Type: application/json",
		"Authorization: Bearer s3cret",
		"webhook-id: msg_1",
		NULL
	};
	struct gh_http			 h = { 0 };
	struct gh_http_req		 r;
	struct tserver			 s;
	char				 log[PATH_MAX], url[128], err[256];
	char				*got;
	int				 status = 0;

	tpath("patch.log", log, sizeof(log));
	CU_ASSERT_FATAL(tserver_start(&s, log, replies, 1) == 0);
	CU_ASSERT_FATAL(gh_http_init(&h) == GH_OK);
	snprintf(url, sizeof(url),
	    "http://127.0.0.1:%d/cb/site/x.gent?status=201", s.port);
	r = req_to(url, 1);
	r.headers = hdrs;
	r.body = "{\"a\":1}";
	r.bodylen = 7;
	CU_ASSERT_EQUAL(gh_http_request(&h, &r, &status, err, sizeof(err)),
	    GH_OK);
	CU_ASSERT_EQUAL(status, 204);
	tserver_stop(&s);
	got = tserver_log(&s);
	CU_ASSERT_PTR_NOT_NULL(strstr(got,
	    "PATCH /cb/site/x.gent?status=201 HTTP/1.1\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(got, "\r\nAuthorization: Bearer s3cret\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(got,
	    "\r\nContent-Type: application/json\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(got, "\r\nwebhook-id: msg_1\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(got, "\r\nContent-Length: 7\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(got, "\r\n\r\n{\"a\":1}\n"));
	CU_ASSERT_PTR_NULL(strcasestr(got, "\r\nExpect:"));
	CU_ASSERT_PTR_NOT_NULL(strstr(got, "\r\nUser-Agent: gatehouse/"));
	free(got);
	gh_http_free(&h);
	gh_http_free(&h);	/* twice is fine */
}

/* Every status comes back as it is; a redirect is not followed. */
static void
test_statuses(void)
{
	static const struct {
		int		 line;
		const char	*reply;
		int		 status;
	} t[] = {
		{ __LINE__, TS_200, 200 },
		{ __LINE__, TS_410, 410 },
		{ __LINE__, TS_500, 500 },
		{ __LINE__, "HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\n"
		    "Content-Length: 0\r\nConnection: close\r\n\r\n", 302 },
		{ __LINE__, "HTTP/1.1 307 Temporary\r\nLocation: "
		    "file:///etc/passwd\r\nContent-Length: 0\r\n"
		    "Connection: close\r\n\r\n", 307 },
	};
	struct gh_http		h = { 0 };
	struct gh_http_req	r;
	struct tserver		s;
	const char		*replies[2];
	char			log[PATH_MAX], url[128], err[256];
	size_t			i;
	int			status;

	tpath("statuses.log", log, sizeof(log));
	CU_ASSERT_FATAL(gh_http_init(&h) == GH_OK);
	for (i = 0; i < GH_NELEM(t); i++) {
		/* A second reply is there to be taken if curl followed. */
		replies[0] = t[i].reply;
		replies[1] = TS_200;
		CU_ASSERT_FATAL(tserver_start(&s, log, replies, 2) == 0);
		snprintf(url, sizeof(url), "http://127.0.0.1:%d/x", s.port);
		r = req_to(url, 1);
		status = 0;
		TROW(t[i].line, gh_http_request(&h, &r, &status, err,
		    sizeof(err)) == GH_OK);
		TROW(t[i].line, status == t[i].status);
		tserver_stop(&s);
		TROW(t[i].line, tserver_count(&s) == 1);
	}
	gh_http_free(&h);
}

/* Nobody listening: no status, an error, and status untouched. */
static void
test_refused(void)
{
	struct gh_http		h = { 0 };
	struct gh_http_req	r;
	char			url[128], err[256];
	int			status = -7;

	CU_ASSERT_FATAL(gh_http_init(&h) == GH_OK);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/x",
	    tserver_dead_port());
	r = req_to(url, 1);
	CU_ASSERT_EQUAL(gh_http_request(&h, &r, &status, err, sizeof(err)),
	    GH_EUNAVAIL);
	CU_ASSERT_EQUAL(status, -7);
	CU_ASSERT(strlen(err) > 0);
	gh_http_free(&h);
}

/* A server that never answers costs timeout_ms, not more. */
static void
test_timeout(void)
{
	static const char *const	 replies[] = { "@hang" };
	struct gh_http			 h = { 0 };
	struct gh_http_req		 r;
	struct tserver			 s;
	char				 log[PATH_MAX], url[128], err[256];
	long long			 t0, ms;
	int				 status;

	tpath("timeout.log", log, sizeof(log));
	CU_ASSERT_FATAL(tserver_start(&s, log, replies, 1) == 0);
	CU_ASSERT_FATAL(gh_http_init(&h) == GH_OK);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/x", s.port);
	r = req_to(url, 1);
	r.timeout_ms = 300;
	t0 = tnow_ms();
	CU_ASSERT_EQUAL(gh_http_request(&h, &r, &status, err, sizeof(err)),
	    GH_ETIMEOUT);
	ms = tnow_ms() - t0;
	CU_ASSERT(ms >= 250 && ms < 2000);
	CU_ASSERT(strlen(err) > 0);
	tserver_stop(&s);
	gh_http_free(&h);
}

/* http:// only when allowed; other schemes never. No connection is made. */
static void
test_schemes(void)
{
	static const char *const	 replies[] = { TS_200 };
	struct gh_http			 h = { 0 };
	struct gh_http_req		 r;
	struct tserver			 s;
	char				 log[PATH_MAX], url[128], err[256];
	int				 status;

	tpath("schemes.log", log, sizeof(log));
	CU_ASSERT_FATAL(tserver_start(&s, log, replies, 1) == 0);
	CU_ASSERT_FATAL(gh_http_init(&h) == GH_OK);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/x", s.port);
	r = req_to(url, 0);
	CU_ASSERT_EQUAL(gh_http_request(&h, &r, &status, err, sizeof(err)),
	    GH_EINVAL);
	CU_ASSERT(strlen(err) > 0);
	r = req_to("file:///etc/passwd", 1);
	CU_ASSERT_EQUAL(gh_http_request(&h, &r, &status, err, sizeof(err)),
	    GH_EINVAL);
	r = req_to("gopher://127.0.0.1/", 1);
	CU_ASSERT_EQUAL(gh_http_request(&h, &r, &status, err, sizeof(err)),
	    GH_EINVAL);
	tserver_stop(&s);
	CU_ASSERT_EQUAL(tserver_count(&s), 0);
	gh_http_free(&h);
}

/* A huge body is cut off at the cap; the status still counts. */
static void
test_big_body(void)
{
	static const char *const	 replies[] = { "@big" };
	struct gh_http			 h = { 0 };
	struct gh_http_req		 r;
	struct tserver			 s;
	char				 log[PATH_MAX], url[128], err[256];
	int				 status = 0;

	tpath("big.log", log, sizeof(log));
	CU_ASSERT_FATAL(tserver_start(&s, log, replies, 1) == 0);
	CU_ASSERT_FATAL(gh_http_init(&h) == GH_OK);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/x", s.port);
	r = req_to(url, 1);
	CU_ASSERT_EQUAL(gh_http_request(&h, &r, &status, err, sizeof(err)),
	    GH_OK);
	CU_ASSERT_EQUAL(status, 200);
	tserver_stop(&s);
	gh_http_free(&h);
}

/* One handle, several requests, each with its own method and headers. */
static void
test_reuse(void)
{
	static const char *const	 replies[] = { TS_200, TS_204 };
	static const char *const	 h1[] = { "X-One: 1", NULL };
	struct gh_http			 h = { 0 };
	struct gh_http_req		 r;
	struct tserver			 s;
	char				 log[PATH_MAX], url[128], err[256];
	char				*got;
	int				 status = 0;

	tpath("reuse.log", log, sizeof(log));
	CU_ASSERT_FATAL(tserver_start(&s, log, replies, 2) == 0);
	CU_ASSERT_FATAL(gh_http_init(&h) == GH_OK);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/one", s.port);
	r = req_to(url, 1);
	r.headers = h1;
	CU_ASSERT_EQUAL(gh_http_request(&h, &r, &status, err, sizeof(err)),
	    GH_OK);
	CU_ASSERT_EQUAL(status, 200);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/two", s.port);
	r = req_to(url, 1);
	r.method = "GET";
	CU_ASSERT_EQUAL(gh_http_request(&h, &r, &status, err, sizeof(err)),
	    GH_OK);
	CU_ASSERT_EQUAL(status, 204);
	tserver_stop(&s);
	got = tserver_log(&s);
	CU_ASSERT_PTR_NOT_NULL(strstr(got, "PATCH /one HTTP/1.1\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(got, "GET /two HTTP/1.1\r\n"));
	/* Nothing of the first request leaks into the second. */
	CU_ASSERT_PTR_NOT_NULL(strstr(got, "X-One: 1"));
	CU_ASSERT_PTR_NULL(strstr(strstr(got, "GET /two"), "X-One"));
	free(got);
	gh_http_free(&h);
}

/*
 * The address policy, judged on the address connected to: a listening
 * server on loopback is refused (and sees no connection) when loopback is
 * denied, whether named by address, by a name that resolves to it or by
 * its IPv4-mapped IPv6 form; allowed, the same server answers.
 */
static void
test_policy(void)
{
	static const char *const	 replies[] = { TS_200 };
	static const struct {
		int		 line;
		const char	*host;
		const char	*why;
	} t[] = {
		{ __LINE__, "127.0.0.1", "address 127.0.0.1 is not allowed" },
		{ __LINE__, "localhost", " is not allowed" },
		{ __LINE__, "[::ffff:127.0.0.1]",
		    "address 127.0.0.1 is not allowed" },
	};
	struct gh_http			 h = { 0 };
	struct gh_http_req		 r;
	struct gh_netpol		 deny, allow;
	struct tserver			 s;
	char				 log[PATH_MAX], url[128], err[256];
	char				 why[256];
	int				 status = -7;
	size_t				 i;

	CU_ASSERT_FATAL(gh_netpol_init(&deny, "", GH_NETPOL_DENY_PRIVATE,
	    why, sizeof(why)) == GH_OK);
	CU_ASSERT_FATAL(gh_netpol_init(&allow, "127.0.0.1/32",
	    GH_NETPOL_DENY_PRIVATE, why, sizeof(why)) == GH_OK);
	tpath("policy.log", log, sizeof(log));
	CU_ASSERT_FATAL(tserver_start(&s, log, replies, 1) == 0);
	CU_ASSERT_FATAL(gh_http_init(&h) == GH_OK);
	for (i = 0; i < GH_NELEM(t); i++) {
		snprintf(url, sizeof(url), "http://%s:%d/x", t[i].host,
		    s.port);
		r = req_to(url, 1);
		r.policy = &deny;
		err[0] = '\0';
		TROW(t[i].line, gh_http_request(&h, &r, &status, err,
		    sizeof(err)) == GH_EFORBIDDEN);
		TROW(t[i].line, status == -7);
		TROW(t[i].line, strstr(err, t[i].why) != NULL);
	}
	/* Allowed: the same server, its one reply. */
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/y", s.port);
	r = req_to(url, 1);
	r.policy = &allow;
	CU_ASSERT_EQUAL(gh_http_request(&h, &r, &status, err, sizeof(err)),
	    GH_OK);
	CU_ASSERT_EQUAL(status, 200);
	tserver_stop(&s);
	/* Only the allowed request reached the server. */
	CU_ASSERT_EQUAL(tserver_count(&s), 1);
	/* 127.0.0.2 is not in 127.0.0.1/32: still denied. */
	snprintf(url, sizeof(url), "http://127.0.0.2:%d/z",
	    tserver_dead_port());
	r = req_to(url, 1);
	r.policy = &allow;
	CU_ASSERT_EQUAL(gh_http_request(&h, &r, &status, err, sizeof(err)),
	    GH_EFORBIDDEN);
	CU_ASSERT_STRING_EQUAL(err, "address 127.0.0.2 is not allowed");
	gh_http_free(&h);
}

/*
 * gh_http_guard() on a handle the caller drives itself (apihost's
 * gateway): the refusal is seen in the guard, the transfer fails, and
 * without the guard the same handle connects.
 */
static void
test_guard(void)
{
	static const char *const	 replies[] = { TS_200 };
	struct gh_http_guard		 g;
	struct gh_netpol		 deny;
	struct tserver			 s;
	char				 log[PATH_MAX], url[128], why[256];
	CURL				*c;
	long				 code = 0;

	CU_ASSERT_FATAL(gh_netpol_init(&deny, "", "127.0.0.0/8, ::1/128",
	    why, sizeof(why)) == GH_OK);
	tpath("guard.log", log, sizeof(log));
	CU_ASSERT_FATAL(tserver_start(&s, log, replies, 1) == 0);
	CU_ASSERT_FATAL((c = curl_easy_init()) != NULL);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/g", s.port);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, drop);
	memset(&g, 0, sizeof(g));
	g.pol = &deny;
	CU_ASSERT_EQUAL(gh_http_guard(c, &g), GH_OK);
	CU_ASSERT_NOT_EQUAL(curl_easy_perform(c), CURLE_OK);
	CU_ASSERT_EQUAL(g.refused, 1);
	CU_ASSERT_STRING_EQUAL(g.addr, "127.0.0.1");
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, drop);
	CU_ASSERT_EQUAL(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	CU_ASSERT_EQUAL(code, 200);
	curl_easy_cleanup(c);
	tserver_stop(&s);
	CU_ASSERT_EQUAL(tserver_count(&s), 1);
	/* No policy is a programmer's error, not an open door. */
	memset(&g, 0, sizeof(g));
	CU_ASSERT_FATAL((c = curl_easy_init()) != NULL);
	CU_ASSERT_EQUAL(gh_http_guard(c, &g), GH_EINTERNAL);
	curl_easy_cleanup(c);
}

static const struct tcase tests[] = {
	TCASE(test_patch),
	TCASE(test_statuses),
	TCASE(test_refused),
	TCASE(test_timeout),
	TCASE(test_schemes),
	TCASE(test_big_body),
	TCASE(test_reuse),
	TCASE(test_policy),
	TCASE(test_guard),
};
TMAIN("http", tests)
