/* SPDX-License-Identifier: ISC */
/*
 * challenge: when the operator turns challenges on, a request is answered
 * 202 with a token; GET /api/v1/challenge/<id>/solve then fetches
 *	http://<name>:<port>/.well-known/certmaker-challenge/token.txt
 * for every DNS name and IP of the request (but localhost, 127.0.0.1 and
 * ::1) and issues the certificate when each answers 200 with the token.
 * Any failure is 417 and may be retried until the challenge expires (410).
 * A solved challenge answers the same locations again: it is single-use.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "certmaker.h"
#include "log.h"
#include "serve.h"
#include "token.h"

#define WELL_KNOWN	"/.well-known/certmaker-challenge/token.txt"

enum gh_err
cm_challenge_new(struct certmaker *cm, struct gh_req *req, struct gh_res *res,
    int csr, long long days)
{
	struct cm_challenge	 c;
	unsigned char		 id[CM_CHALLENGE_BYTES];
	char			 token[GH_TOKEN_LEN + 1], base[600];
	enum gh_err		 err;

	if (cm_base_url(cm, req, base, sizeof(base)) != GH_OK)
		return gh_fail(res, GH_EINVAL, "the Host header is not usable "
		    "in a URL");
	memset(&c, 0, sizeof(c));
	if ((err = gh_random(id, sizeof(id))) != GH_OK ||
	    (err = gh_token_new(token)) != GH_OK)
		return err;
	gh_hex(id, sizeof(id), c.id);
	gh_sha256(token, strlen(token), c.token_hash);
	c.user_id = cm->user.id;
	c.csr = csr;
	c.days = days;
	c.expires = gh_now() + certmaker_conf_int(&cm->conf,
	    CERTMAKER_CONF_CHALLENGE_TTL);
	if ((err = certmaker_store_challenge_add(cm, &c, req->body.data,
	    req->body.len))
	    != GH_OK) {
		gh_fail(res, err, "cannot store the challenge");
		goto out;
	}
	res->secret = 1;
	if ((err = gh_res_header(res, "X-Challenge-Location",
	    "%s/api/v1/challenge/%s/solve", base, c.id)) == GH_OK)
		err = gh_res_text(res, 202, "text/plain", token, strlen(token));
out:
	OPENSSL_cleanse(token, sizeof(token));
	return err;
}

/* X-Challenge-Port (documented) or X-Validation-Port (the original's); 80. */
static enum gh_err
challenge_port(struct gh_req *req, struct gh_res *res, long long *port)
{
	const char	*v, *errstr;

	if ((v = gh_req_param(req, "HTTP_X_CHALLENGE_PORT")) == NULL)
		v = gh_req_param(req, "HTTP_X_VALIDATION_PORT");
	*port = 80;
	if (v == NULL)
		return GH_OK;
	*port = gh_strtonum(v, 1, 65535, &errstr);
	if (errstr != NULL)
		return gh_fail(res, GH_EINVAL, "X-Challenge-Port: a port number "
		    "from 1 to 65535");
	return GH_OK;
}

enum gh_err
cm_challenge_http(struct certmaker *cm, char *why, size_t whysz)
{
	enum gh_err	err;

	if (cm->http_ready)
		return GH_OK;
	if (gh_netpol_init(&cm->policy, certmaker_conf_str(&cm->conf, CERTMAKER_CONF_CHALLENGE_ALLOW), certmaker_conf_str(&cm->conf, CERTMAKER_CONF_CHALLENGE_DENY), why, whysz) != GH_OK)
		return GH_ECONFIG;
	if ((err = gh_http_init(&cm->http)) != GH_OK) {
		snprintf(why, whysz, "cannot set up HTTP");
		return err;
	}
	cm->http_ready = 1;
	return GH_OK;
}

/* The challenge's token file on host. */
static enum gh_err
fetch_one(struct certmaker *cm, const struct cm_challenge *c,
    const char *host, long long port, char *why, size_t whysz)
{
	return cm_challenge_fetch(cm, host, port, WELL_KNOWN, c->token_hash,
	    why, whysz);
}

enum gh_err
cm_challenge_fetch(struct certmaker *cm, const char *host, long long port,
    const char *path, const unsigned char want[32], char *why, size_t whysz)
{
	struct gh_http_req	 hr;
	struct gh_buf		 body;
	unsigned char		 hash[GH_SHA256_LEN];
	char			 url[GH_DOMAIN_MAX + 200], err_s[GH_HTTP_ERR_MAX];
	size_t			 n;
	int			 status = 0, cut = 0;
	enum gh_err		 err;

	if ((size_t)snprintf(url, sizeof(url), "http://%s:%lld%s", host, port,
	    path) >= sizeof(url)) {
		snprintf(why, whysz, "URL too long");
		return GH_EINVAL;
	}
	gh_buf_init(&body, CM_CHALLENGE_BODY_MAX);
	memset(&hr, 0, sizeof(hr));
	hr.method = "GET";
	hr.url = url;
	hr.allow_http = 1;
	hr.connect_timeout_ms = (int)certmaker_conf_int(&cm->conf,
	    CERTMAKER_CONF_CHALLENGE_CONNECT_TIMEOUT);
	hr.timeout_ms = (int)certmaker_conf_int(&cm->conf,
	    CERTMAKER_CONF_CHALLENGE_TIMEOUT);
	hr.resp = &body;
	hr.body_cut = &cut;
	hr.policy = &cm->policy;
	err = gh_http_request(&cm->http, &hr, &status, err_s, sizeof(err_s));
	if (err == GH_EFORBIDDEN) {
		snprintf(why, whysz, "%.300s: %.150s ([certmaker] "
		    "challenge_deny)", url, err_s);
		gh_buf_free(&body);
		return GH_EFORBIDDEN;
	}
	if (err != GH_OK) {
		snprintf(why, whysz, "%.300s: %.150s", url, err_s);
		goto fail;
	}
	if (status != 200) {
		snprintf(why, whysz, "%.300s answered %d", url, status);
		goto fail;
	}
	n = body.len;
	if (n > 0 && body.data[n - 1] == '\n')
		n--;
	if (n > 0 && body.data[n - 1] == '\r')
		n--;
	gh_sha256(body.data ? body.data : "", n, hash);
	if (cut || !gh_ct_eq(hash, want, sizeof(hash))) {
		snprintf(why, whysz, "%.300s does not hold the token", url);
		goto fail;
	}
	gh_buf_free(&body);
	return GH_OK;
fail:
	gh_buf_free(&body);
	return GH_EINVAL;
}

/* Every name of r but the exempt ones, in order; stops at the first failure. */
static enum gh_err
fetch_all(struct certmaker *cm, const struct cm_challenge *c,
    const struct cm_request *r, long long port, char *why, size_t whysz)
{
	char		addr[INET6_ADDRSTRLEN], host[INET6_ADDRSTRLEN + 2];
	size_t		i;
	enum gh_err	err;

	for (i = 0; i < r->ndns; i++) {
		if (cm_name_exempt_dns(r->dns[i]))
			continue;
		if ((err = fetch_one(cm, c, r->dns[i], port, why, whysz)) !=
		    GH_OK)
			return err;
	}
	for (i = 0; i < r->nip; i++) {
		if (cm_name_exempt_ip(&r->ip[i]))
			continue;
		if (inet_ntop(r->ip[i].len == 4 ? AF_INET : AF_INET6,
		    r->ip[i].addr, addr, sizeof(addr)) == NULL)
			return GH_EINVAL;
		snprintf(host, sizeof(host), r->ip[i].len == 4 ? "%s" : "[%s]",
		    addr);
		if ((err = fetch_one(cm, c, host, port, why, whysz)) != GH_OK)
			return err;
	}
	return GH_OK;
}

enum gh_err
certmaker_challenge_solve(struct gh_svc *svc, struct gh_req *req,
    struct gh_res *res)
{
	struct certmaker	*cm = svc->ctx;
	struct cm_challenge	 c;
	struct cm_request	 r;
	struct gh_buf		 body;
	X509_REQ		*csr = NULL;
	char			 id[2 * CM_CHALLENGE_BYTES + 9];
	char			 why[512];
	long long		 port;
	enum gh_err		 err;

	if (req->cap[0].len != 2 * CM_CHALLENGE_BYTES ||
	    cm_serial_parse(req->cap[0].s, req->cap[0].len, id) != GH_OK)
		return gh_fail(res, GH_ENOTFOUND, "no such challenge");
	if ((err = challenge_port(req, res, &port)) != GH_OK)
		return err;
	gh_buf_init(&body, 256 * 1024);
	err = certmaker_store_challenge_get(cm, id, &c, &body);
	if (err == GH_ENOTFOUND || (err == GH_OK && c.user_id != cm->user.id &&
	    !cm->user.admin)) {
		err = gh_fail(res, GH_ENOTFOUND, "no such challenge");
		goto out;
	}
	if (err != GH_OK) {
		gh_fail(res, err, "challenge lookup failed");
		goto out;
	}
	if (c.serial[0] != '\0') {
		err = cm_answer_locations(cm, req, res, c.serial, c.has_key);
		goto out;
	}
	if (gh_now() >= c.expires) {
		err = gh_fail(res, GH_EGONE, "the challenge has expired");
		goto out;
	}
	/* The request was checked when it came; check it again all the same. */
	cm_request_init(&r);
	if (c.csr)
		err = pki_csr_parse(body.data ? body.data : "", body.len, &r,
		    &csr, why, sizeof(why));
	else
		err = cm_request_parse(body.data ? body.data : "", body.len,
		    3650, &r, why, sizeof(why));
	if (err != GH_OK) {
		gh_fail(res, GH_EINTERNAL, "stored request: %s", why);
		goto out;
	}
	r.days = c.days;
	if ((err = cm_challenge_http(cm, why, sizeof(why))) != GH_OK) {
		gh_fail(res, err, "challenge address lists: %s", why);
		goto out;
	}
	if ((err = fetch_all(cm, &c, &r, port, why, sizeof(why))) != GH_OK) {
		/* A refused address will not be allowed by trying again. */
		err = gh_fail(res, GH_EINVAL, "challenge failed%s: %s",
		    err == GH_EFORBIDDEN ? " (address not allowed)" :
		    " (try again)", why);
		res->status = 417;	/* no gh_err maps to it: set after gh_fail */
		goto out;
	}
	/* The certificate belongs to whoever asked for it. */
	cm->user.id = c.user_id;
	gh_buf_reset(&cm->scratch);
	err = cm_issue(cm, req, res, &r, csr, c.id);
	if (err == GH_ECONFLICT &&
	    (err = certmaker_store_challenge_get(cm, id, &c, NULL)) == GH_OK)
		err = cm_answer_locations(cm, req, res, c.serial, c.has_key);
out:
	X509_REQ_free(csr);
	gh_buf_free(&body);
	return err;
}
