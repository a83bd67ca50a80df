/* SPDX-License-Identifier: ISC */
/*
 * offer: offer templates.  A grain, with its grain secret, posts a
 * template holding $API_TOKEN and $API_HOST; the host makes a token that
 * expires unless used soon, and answers with the URL of a page that it
 * serves itself, so the app never sees the token: the page shows the
 * rendered template and, while it is open, keeps the token alive.
 *
 * The page has no CORS headers: the app knows its URL, and must not be
 * able to read it from its own origin.
 */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/crypto.h>

#include "apihost.h"
#include "auth.h"
#include "json.h"
#include "log.h"
#include "serve.h"

/*
 * The offer route's auth policy: "Authorization: Bearer <grain secret>".
 * 401 with a Bearer challenge otherwise.  rq->grain is the grain.
 */
enum gh_err
apihost_grain_auth(struct gh_svc *svc, struct gh_req *req, struct gh_res *res)
{
	struct apihost		*a = svc->ctx;
	struct apihost_req	*rq = req->ctx;
	const char		*tok;
	size_t			 len;
	enum gh_err		 err;

	err = gh_auth_bearer(gh_req_param(req, "HTTP_AUTHORIZATION"), &tok,
	    &len);
	if (err == GH_OK && (err = apihost_store_grain_by_secret(a, tok, len,
	    &rq->grain)) == GH_ENOTFOUND)
		err = GH_EINVAL;
	if (err == GH_EINVAL) {
		gh_res_header(res, "WWW-Authenticate",
		    "Bearer realm=\"apihost\", error=\"invalid_token\"");
		return gh_fail(res, GH_EAUTH, "invalid grain secret");
	}
	if (err == GH_ENOTFOUND) {
		gh_res_header(res, "WWW-Authenticate", "Bearer realm=\"apihost\"");
		return gh_fail(res, GH_EAUTH, "missing grain secret");
	}
	if (err != GH_OK)
		return gh_fail(res, err, "grain lookup failed");
	req->principal = &rq->grain;
	return GH_OK;
}

/* Text of a template or a name: no control characters but \n and \t. */
static int
valid_template(const char *s, size_t n)
{
	size_t	i;

	if (n == 0 || n > APIHOST_TEMPLATE_MAX || strlen(s) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] < 0x20 && s[i] != '\n' &&
		    s[i] != '\t') || s[i] == 0x7f)
			return 0;
	return 1;
}

/* The optional string key of o into *out (NULL if absent); 0 if bad. */
static int
opt_text(struct json_object *o, const char *key, size_t max, const char **out)
{
	size_t		len;
	enum gh_err	err;

	*out = NULL;
	err = gh_json_get_string(o, key, out, &len);
	if (err == GH_ENOTFOUND)
		return 1;
	return err == GH_OK && strlen(*out) == len &&
	    apihost_valid_text(*out, max);
}

/*
 * "permissions": ["read", "write"] as "read,write" into out.  Each entry
 * must be one name: joined, "a,b" would become two permissions and ""
 * none.
 */
static int
opt_perms(struct json_object *o, char *out, size_t outsz)
{
	struct json_object	*arr, *v;
	const char		*s;
	size_t			 i, n;
	enum gh_err		 err;

	out[0] = '\0';
	if ((err = gh_json_get_array(o, "permissions", &arr)) == GH_ENOTFOUND)
		return 1;
	if (err != GH_OK)
		return 0;
	n = json_object_array_length(arr);
	for (i = 0; i < n; i++) {
		v = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(v, json_type_string))
			return 0;
		s = json_object_get_string(v);
		if (!apihost_valid_perm(s) ||
		    (i > 0 && gh_strlcat(out, ",", outsz) >= outsz) ||
		    gh_strlcat(out, s, outsz) >= outsz)
			return 0;
	}
	return apihost_valid_perms(out);
}

/*
 * POST /.apihost/offer-template {"template": "…$API_TOKEN…", "petname",
 * "permissions": […], "userId", "username"}: a new token for the grain,
 * unused for at most offer_expiry_s, and its page.  201 with the page's
 * URL (an IFRAME's src) and when the token lapses unless used.
 */
enum gh_err
apihost_offer_post(struct gh_svc *svc, struct gh_req *req, struct gh_res *res)
{
	static const char *const keys[] = { "template", "petname",
	    "permissions", "userId", "username", NULL };
	struct apihost		*a = svc->ctx;
	struct apihost_req	*rq = req->ctx;
	struct apihost_token_new t;
	struct json_object	*o = NULL, *out = NULL;
	const char		*why, *tmpl, *petname, *user_id, *username;
	char			 perms[APIHOST_PERMS_MAX + 1];
	char			 token[GH_TOKEN_LEN + 1], page[GH_TOKEN_LEN + 1];
	char			 when[32];
	unsigned char		 page_hash[GH_SHA256_LEN];
	size_t			 len;
	long long		 now = gh_now();
	enum gh_err		 err;

	if (!gh_req_is_type(req, "application/json"))
		return gh_fail(res, GH_EMEDIA, "the body must be application/json");
	if (gh_json_parse_object(req->body.data, req->body.len, &o, &why) !=
	    GH_OK)
		return gh_fail(res, GH_EINVAL, "malformed JSON: %s", why);
	if (gh_json_only_keys(o, keys, &why) != GH_OK) {
		err = gh_fail(res, GH_EINVAL, "unknown field %.64s", why);
		goto out;
	}
	if (gh_json_get_string(o, "template", &tmpl, &len) != GH_OK ||
	    !valid_template(tmpl, len)) {
		err = gh_fail(res, GH_EINVAL, "template: a string of 1 to %d "
		    "characters without control characters",
		    APIHOST_TEMPLATE_MAX);
		goto out;
	}
	if (!opt_text(o, "petname", APIHOST_PETNAME_MAX, &petname) ||
	    !opt_text(o, "userId", APIHOST_USER_MAX, &user_id) ||
	    !opt_text(o, "username", APIHOST_USER_MAX, &username)) {
		err = gh_fail(res, GH_EINVAL, "petname, userId, username: "
		    "strings of at most %d characters", APIHOST_USER_MAX);
		goto out;
	}
	if (!opt_perms(o, perms, sizeof(perms))) {
		err = gh_fail(res, GH_EINVAL, "permissions: an array of names "
		    "(letters, digits, '.', '_', '-')");
		goto out;
	}
	memset(&t, 0, sizeof(t));
	t.grain_id = rq->grain.id;
	t.user_id = user_id;
	t.username = username;
	t.permissions = perms;
	t.petname = petname ? petname : "offer template";
	t.expires_unused = now +
	    apihost_conf_int(&a->conf, APIHOST_CONF_OFFER_EXPIRY);
	if ((err = gh_token_new(token)) != GH_OK ||
	    (err = gh_token_new(page)) != GH_OK) {
		err = gh_fail(res, err, "no randomness");
		goto out;
	}
	gh_sha256(page, strlen(page), page_hash);
	if ((err = apihost_store_offer_add(a, &t, token, page_hash,
	    tmpl)) != GH_OK) {
		err = gh_fail(res, err, "cannot store the offer");
		goto out;
	}
	if (apihost_store_token_purge(a, now, NULL) != GH_OK)
		gh_log("cannot purge expired offer tokens");
	gh_time_rfc3339(t.expires_unused, when);
	res->secret = 1;
	if ((out = json_object_new_object()) == NULL) {
		err = gh_fail(res, GH_ENOMEM, "out of memory");
		goto out;
	}
	gh_buf_reset(&a->scratch);
	if ((err = gh_buf_printf(&a->scratch, "%s" APIHOST_PREFIX "offer/%s",
	    apihost_conf_str(&a->conf, APIHOST_CONF_PUBLIC_URL), page)) !=
	    GH_OK ||
	    (err = gh_json_add(out, "url", json_object_new_string(
	    a->scratch.data))) != GH_OK ||
	    (err = gh_json_add(out, "expires",
	    json_object_new_string(when))) != GH_OK ||
	    (err = gh_res_json(res, 201, out)) != GH_OK) {
		err = gh_fail(res, err, "out of memory");
		goto out;
	}
	err = GH_OK;
out:
	OPENSSL_cleanse(token, sizeof(token));
	OPENSSL_cleanse(page, sizeof(page));
	json_object_put(out);
	json_object_put(o);
	return err;
}

/* Append n bytes of s to b, HTML-escaped. */
static enum gh_err
html_add(struct gh_buf *b, const char *s, size_t n)
{
	enum gh_err	err = GH_OK;
	size_t		i, from = 0;
	const char	*e;

	for (i = 0; i < n && err == GH_OK; i++) {
		switch (s[i]) {
		case '&': e = "&amp;"; break;
		case '<': e = "&lt;"; break;
		case '>': e = "&gt;"; break;
		case '"': e = "&quot;"; break;
		case '\'': e = "&#39;"; break;
		default: continue;
		}
		if ((err = gh_buf_add(b, s + from, i - from)) == GH_OK)
			err = gh_buf_puts(b, e);
		from = i + 1;
	}
	if (err == GH_OK)
		err = gh_buf_add(b, s + from, n - from);
	return err;
}

/* The template with $API_TOKEN and $API_HOST replaced, HTML-escaped. */
static enum gh_err
render(struct gh_buf *b, const char *tmpl, const char *token, const char *host)
{
	const char	*p = tmpl, *d;
	enum gh_err	 err = GH_OK;

	while (err == GH_OK && (d = strchr(p, '$')) != NULL) {
		if ((err = html_add(b, p, (size_t)(d - p))) != GH_OK)
			break;
		if (strncmp(d, "$API_TOKEN", 10) == 0) {
			err = html_add(b, token, strlen(token));
			p = d + 10;
		} else if (strncmp(d, "$API_HOST", 9) == 0) {
			err = html_add(b, host, strlen(host));
			p = d + 9;
		} else {
			err = gh_buf_add(b, "$", 1);
			p = d + 1;
		}
	}
	if (err == GH_OK)
		err = html_add(b, p, strlen(p));
	return err;
}

#define PAGE_CSP	"default-src 'none'; script-src 'self'; "	\
			"connect-src 'self'; style-src 'unsafe-inline'"

/*
 * GET /.apihost/offer/<id>: the rendered template, for an IFRAME.  The
 * token sits in a data attribute for offer.js, which keeps it alive while
 * the page is open.  404 for an unknown page, 410 once its token is
 * revoked or lapsed.
 */
enum gh_err
apihost_offer_page(struct gh_svc *svc, struct gh_req *req, struct gh_res *res)
{
	struct apihost		*a = svc->ctx;
	struct apihost_token	 t;
	struct gh_buf		 tmpl, token, page;
	unsigned char		 hash[GH_SHA256_LEN];
	long long		 now = gh_now(), expiry;
	enum gh_err		 err;

	gh_buf_init(&tmpl, APIHOST_TEMPLATE_MAX + 1);
	gh_buf_init(&token, GH_TOKEN_MAX);
	gh_buf_init(&page, 64 * 1024);
	if (req->cap[0].len != GH_TOKEN_LEN) {
		err = gh_fail(res, GH_ENOTFOUND, "no such offer");
		goto out;
	}
	gh_sha256(req->cap[0].s, req->cap[0].len, hash);
	err = apihost_store_offer_get(a, hash, &tmpl, &token, &t);
	if (err == GH_ENOTFOUND) {
		err = gh_fail(res, GH_ENOTFOUND, "no such offer");
		goto out;
	}
	if (err != GH_OK) {
		err = gh_fail(res, err, "cannot read the offer");
		goto out;
	}
	if (t.revoked || (t.expires && now >= t.expires) ||
	    (t.expires_unused && now >= t.expires_unused)) {
		err = gh_fail(res, GH_EGONE, "this offer has expired: reload "
		    "the app's page for a new one");
		goto out;
	}
	expiry = apihost_conf_int(&a->conf, APIHOST_CONF_OFFER_EXPIRY);
	if ((err = gh_buf_printf(&page, "<!DOCTYPE html>\n<html><head>"
	    "<meta charset=\"utf-8\"><title>API token</title>"
	    "<script src=\"" APIHOST_PREFIX "offer.js\" defer></script>"
	    "</head>\n<body data-token=\"%s\" data-keepalive-ms=\"%lld\" "
	    "style=\"margin:0\">\n<pre id=\"offer\" style=\"margin:0;"
	    "white-space:pre-wrap;font:13px monospace\">",
	    token.data, expiry * 1000)) != GH_OK ||
	    (err = render(&page, tmpl.data, token.data,
	    apihost_conf_str(&a->conf, APIHOST_CONF_PUBLIC_URL))) != GH_OK ||
	    (err = gh_buf_puts(&page, "</pre>\n</body></html>\n")) != GH_OK ||
	    (err = gh_res_header(res, "Content-Security-Policy", "%s",
	    PAGE_CSP)) != GH_OK ||
	    (err = gh_res_header(res, "Referrer-Policy", "no-referrer")) !=
	    GH_OK ||
	    (err = gh_res_text(res, 200, "text/html; charset=utf-8", page.data,
	    page.len)) != GH_OK) {
		err = gh_fail(res, err, "cannot render the offer");
		goto out;
	}
	res->secret = 1;
	err = GH_OK;
out:
	gh_buf_free(&tmpl);
	gh_buf_free(&token);
	gh_buf_free(&page);
	return err;
}

/*
 * The offer page's script: keep the token alive now and every third of
 * its unused lifetime, with a keepalive request the gateway answers
 * itself (it does not count as a use).
 */
static const char offer_js[] =
    "(function () {\n"
    "\t\"use strict\";\n"
    "\tvar b = document.body, t = b.getAttribute(\"data-token\");\n"
    "\tvar ms = parseInt(b.getAttribute(\"data-keepalive-ms\"), 10) || 900000;\n"
    "\tfunction keep() {\n"
    "\t\tfetch(\"/\", { headers: { \"Authorization\": \"Bearer \" + t,\n"
    "\t\t    \"X-Sandstorm-Token-Keepalive\": String(ms) } })\n"
    "\t\t    .catch(function () {});\n"
    "\t}\n"
    "\tkeep();\n"
    "\tsetInterval(keep, Math.max(5000, Math.floor(ms / 3)));\n"
    "})();\n";

enum gh_err
apihost_offer_js(struct gh_svc *svc, struct gh_req *req, struct gh_res *res)
{
	(void)svc;
	(void)req;
	return gh_res_text(res, 200, "text/javascript; charset=utf-8",
	    offer_js, sizeof(offer_js) - 1);
}
