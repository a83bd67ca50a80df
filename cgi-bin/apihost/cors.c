/* SPDX-License-Identifier: ISC */
/*
 * cors: every answer of the gateway, errors included, may be read by a web
 * page of any origin, and runs sandboxed if a browser renders it; CORS
 * preflights are answered here, without a token.
 */
#include <string.h>

#include "apihost.h"
#include "ascii.h"
#include "req.h"
#include "serve.h"

/* What the client may read of an answer, cross-origin. */
#define EXPOSE_HEADERS							\
	"Content-Length, Content-Type, Content-Encoding, Content-Language, " \
	"Content-Disposition, Content-Range, ETag, Last-Modified, Location, " \
	"Accept-Ranges, Cache-Control, Expires, WWW-Authenticate"

#define ALLOW_METHODS	"GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"

enum gh_err
apihost_cors(struct gh_res *res)
{
	enum gh_err	err;

	if (res->head.data != NULL &&
	    strstr(res->head.data, "Access-Control-Allow-Origin:") != NULL)
		return GH_OK;
	if ((err = gh_res_header(res, "Access-Control-Allow-Origin", "*")) !=
	    GH_OK ||
	    (err = gh_res_header(res, "Access-Control-Expose-Headers", "%s",
	    EXPOSE_HEADERS)) != GH_OK ||
	    (err = gh_res_header(res, "Vary", "Authorization")) != GH_OK)
		return err;
	return gh_res_header(res, "Content-Security-Policy",
	    "default-src 'none'; sandbox");
}

/*
 * OPTIONS: a CORS preflight is answered here, without a token: every
 * method, the headers asked for, cached for an hour.  An OPTIONS that is
 * not a preflight and carries a token (WebDAV) goes to the app.
 */
enum gh_err
apihost_options(struct gh_svc *svc, struct gh_req *req, struct gh_res *res)
{
	const char	*want;
	enum gh_err	 err;
	size_t		 i;

	want = gh_req_param(req, "HTTP_ACCESS_CONTROL_REQUEST_HEADERS");
	if (gh_req_param(req, "HTTP_ACCESS_CONTROL_REQUEST_METHOD") == NULL &&
	    gh_req_param(req, "HTTP_AUTHORIZATION") != NULL) {
		if ((err = apihost_token_auth(svc, req, res)) != GH_OK)
			return err;
		return apihost_proxy(svc, req, res);
	}
	if ((err = apihost_cors(res)) != GH_OK ||
	    (err = gh_res_header(res, "Access-Control-Allow-Methods", "%s",
	    ALLOW_METHODS)) != GH_OK ||
	    (err = gh_res_header(res, "Access-Control-Max-Age", "3600")) !=
	    GH_OK)
		return gh_fail(res, err, "out of memory");
	/* Echo the header names asked for, if they are only names. */
	if (want != NULL && strlen(want) <= 1024) {
		for (i = 0; want[i] != '\0'; i++)
			if (!gh_ascii_isalpha((unsigned char)want[i]) &&
			    !gh_ascii_isdigit((unsigned char)want[i]) &&
			    strchr("-_, ", want[i]) == NULL)
				break;
		if (want[i] == '\0' && i > 0 &&
		    (err = gh_res_header(res, "Access-Control-Allow-Headers",
		    "%s", want)) != GH_OK)
			return gh_fail(res, err, "out of memory");
	}
	return gh_res_text(res, 200, "text/plain", "", 0);
}
