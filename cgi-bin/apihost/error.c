/* SPDX-License-Identifier: ISC */
/*
 * error: the error answers of the gateway's routes: a page for a browser
 * that came without a token, else a line of plain text, with the CORS
 * headers so that a web page can read them.
 */
#include <stdio.h>

#include "apihost.h"
#include "req.h"
#include "serve.h"

/* The readable page a browser gets instead of "needs a token". */
static const char html_page[] =
    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    "<title>API host</title></head><body>\n"
    "<h1>This is an API host</h1>\n"
    "<p>This address serves the HTTP APIs of apps.  It cannot be opened in "
    "a browser: every request needs an API token, sent by a program as</p>\n"
    "<pre>Authorization: Bearer &lt;token&gt;</pre>\n"
    "<p>A token comes as a <em>webkey</em>, <code>https://&lt;this "
    "host&gt;#&lt;token&gt;</code>: the part before <code>#</code> is this "
    "address, the part after it the token.  For example:</p>\n"
    "<pre>curl -H \"Authorization: Bearer &lt;token&gt;\" "
    "https://&lt;this host&gt;/</pre>\n"
    "</body></html>\n";

/*
 * Error answers of the gateway: CORS headers so that a web page can read
 * them; a page for a browser without a token; plain text otherwise.  The
 * offer route, whose client is a program, answers JSON instead: its
 * route has GH_ROUTE_JSON_ERRORS.
 */
void
apihost_error_body(struct gh_svc *svc, struct gh_req *req, struct gh_res *res)
{
	struct apihost_req	*rq = req->ctx;
	char			 text[GH_ERRMSG_MAX + 2];
	int			 n;

	apihost_cors(res);
	if (rq->html_error) {
		gh_res_text(res, res->status, "text/html; charset=utf-8",
		    html_page, sizeof(html_page) - 1);
		return;
	}
	n = snprintf(text, sizeof(text), "%s\n", res->errmsg);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(text))
		n = (int)sizeof(text) - 1;
	gh_res_text(res, res->status, "text/plain; charset=utf-8", text,
	    (size_t)n);
}
