/* SPDX-License-Identifier: ISC */
/*
 * callback: the delivery of an order's callback, the last thing the
 * worker does for it.  One attempt is a PATCH to
 * "<callback>/site/<domain>?status=<n>" with the client's callback secret
 * as Bearer token and, unless turned off, the Standard Webhooks headers;
 * it is recorded before it is sent and its answer after (worker.c says
 * why).  2xx is delivered, 410 gone for good; anything else is tried
 * again by callback_schedule, with jitter, until the schedule is spent.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "crypto.h"
#include "factory.h"
#include "http.h"
#include "log.h"
#include "token.h"

#define CALLBACK_URL_MAX	(FACTORY_URL_MAX + GH_DOMAIN_MAX + 32)
#define CALLBACK_BODY_MAX	(GH_DOMAIN_MAX + 64)

long long
callback_delay(const long long *sched, size_t n, int tries)
{
	if (tries < 1 || (size_t)tries > n)
		return -1;
	return sched[tries - 1];
}

/*
 * Standard Webhooks signature, as factory.h says.  The signed content is
 * "<id>.<timestamp>.<body>".
 */
enum gh_err
callback_sign(const char *secret, size_t secretlen, const char *id,
    long long ts, const char *body, size_t bodylen, char *out, size_t outsz)
{
	unsigned char	 key[FACTORY_SECRET_MAX], mac[32];
	char		 b64[64];
	const void	*k = secret;
	struct gh_buf	 msg;
	enum gh_err	 err;
	size_t		 klen = secretlen, n;

	gh_buf_init(&msg, 0);
	if (secretlen > 6 && memcmp(secret, "whsec_", 6) == 0 &&
	    gh_b64_decode(secret + 6, secretlen - 6, key, sizeof(key), &n) ==
	    GH_OK) {
		k = key;
		klen = n;
	}
	if ((err = gh_buf_printf(&msg, "%s.%lld.", id, ts)) != GH_OK ||
	    (err = gh_buf_add(&msg, body, bodylen)) != GH_OK ||
	    (err = gh_hmac_sha256(k, klen, msg.data, msg.len, mac)) != GH_OK ||
	    (err = gh_b64_encode(mac, sizeof(mac), b64, sizeof(b64))) != GH_OK)
		goto out;
	if ((size_t)snprintf(out, outsz, "v1,%s", b64) >= outsz)
		err = GH_ETOOBIG;
out:
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(mac, sizeof(mac));
	gh_buf_free(&msg);
	return err;
}

/* "<callback>/site/<domain>?status=<n>", without doubling a trailing slash. */
static enum gh_err
callback_url(const struct factory_order *o, char *out, size_t outsz)
{
	size_t	n = strlen(o->callback);

	while (n > 0 && o->callback[n - 1] == '/')
		n--;
	if ((size_t)snprintf(out, outsz, "%.*s/site/%s?status=%d", (int)n,
	    o->callback, o->domain, o->callback_status) >= outsz)
		return GH_ETOOLONG;
	return GH_OK;
}

/* 1 when s can go in a header value: no control characters, no DEL. */
static int
header_safe(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return n > 0;
}

/*
 * Send the callback once: PATCH with the client's callback secret as the
 * Bearer token and, unless turned off, the Standard Webhooks headers.
 * GH_OK with *status when an HTTP answer came; otherwise detail says why.
 */
static enum gh_err
callback_send(struct worker *w, const struct factory_order *o, int *status,
    char *detail, size_t detailsz)
{
	struct gh_http_req	 req;
	struct gh_buf		 secret;
	const char		*hdrs[6];
	char			 url[CALLBACK_URL_MAX], body[CALLBACK_BODY_MAX];
	char			 auth[FACTORY_SECRET_MAX + 32], sig[64];
	char			 hid[FACTORY_WEBHOOK_ID_MAX + 16], hts[48];
	char			 hsig[96];
	enum gh_err		 err;
	long long		 ts;
	size_t			 n = 0;

	gh_buf_init(&secret, FACTORY_SECRET_MAX + 1);
	auth[0] = '\0';
	if ((err = callback_url(o, url, sizeof(url))) != GH_OK) {
		snprintf(detail, detailsz, "callback URL too long");
		goto out;
	}
	/* The domain passed gh_valid_domain(): nothing in it needs escaping. */
	snprintf(body, sizeof(body), "{\"domain\":\"%s\",\"status\":%d}",
	    o->domain, o->callback_status);
	if ((err = factory_store_client_secret(w->f, o->client_id, &secret)) !=
	    GH_OK) {
		snprintf(detail, detailsz, "cannot read the callback secret: %s",
		    gh_strerror(err));
		goto out;
	}
	if (!header_safe(secret.data, secret.len) ||
	    (size_t)snprintf(auth, sizeof(auth), "Authorization: Bearer %s",
	    secret.data) >= sizeof(auth)) {
		snprintf(detail, detailsz, "the client's callback secret "
		    "cannot be sent in a header");
		err = GH_ECONFIG;
		goto out;
	}
	hdrs[n++] = "Content-Type: application/json";
	hdrs[n++] = auth;
	if (factory_conf_int(&w->f->conf, FACTORY_CONF_WEBHOOK_SIGNATURES)) {
		ts = gh_now();
		if ((err = callback_sign(secret.data, secret.len, o->webhook_id,
		    ts, body, strlen(body), sig, sizeof(sig))) != GH_OK) {
			snprintf(detail, detailsz, "cannot sign: %s",
			    gh_strerror(err));
			goto out;
		}
		snprintf(hid, sizeof(hid), "webhook-id: %s", o->webhook_id);
		snprintf(hts, sizeof(hts), "webhook-timestamp: %lld", ts);
		snprintf(hsig, sizeof(hsig), "webhook-signature: %s", sig);
		hdrs[n++] = hid;
		hdrs[n++] = hts;
		hdrs[n++] = hsig;
	}
	hdrs[n] = NULL;
	memset(&req, 0, sizeof(req));
	req.method = "PATCH";
	req.url = url;
	req.headers = hdrs;
	req.body = body;
	req.bodylen = strlen(body);
	req.connect_timeout_ms = (int)factory_conf_int(&w->f->conf,
	    FACTORY_CONF_CALLBACK_CONNECT_TIMEOUT);
	req.timeout_ms = (int)factory_conf_int(&w->f->conf,
	    FACTORY_CONF_CALLBACK_TIMEOUT);
	req.allow_http = (int)factory_conf_int(&w->f->conf,
	    FACTORY_CONF_ALLOW_HTTP_CALLBACK);
	req.policy = &w->policy;
	err = gh_http_request(w->http, &req, status, detail, detailsz);
out:
	OPENSSL_cleanse(auth, sizeof(auth));
	gh_buf_free(&secret);
	return err;
}

/*
 * A callback attempt failed: the next one by callback_schedule, with
 * jitter, or, with the schedule spent, the delivery is dead.
 */
static void
callback_failed(struct worker *w, struct factory_order *o, const char *detail)
{
	long long	sched[GH_CONF_LIST_MAX], delay;
	size_t		n;

	w->failed++;
	gh_strlcpy(o->last_error, detail, sizeof(o->last_error));
	n = gh_conf_intlist(&w->f->conf, &factory_conf,
	    FACTORY_CONF_CALLBACK_SCHEDULE, sched, GH_NELEM(sched));
	if ((delay = callback_delay(sched, n, o->callback_tries)) < 0) {
		o->callback_state = CALLBACK_DEAD;
		o->next_at = -1;
		gh_log("%s: callback status=%d attempt %d failed: %s; dead "
		    "(gatectl factory redeliver %s)", o->domain,
		    o->callback_status, o->callback_tries, detail, o->domain);
		return;
	}
	o->next_at = worker_later(delay);
	gh_log("%s: callback status=%d attempt %d failed: %s; next in %llds",
	    o->domain, o->callback_status, o->callback_tries, detail,
	    o->next_at - gh_now());
}

/*
 * One callback attempt: recorded before it is sent, its answer after.
 * 2xx delivered, 410 gone, anything else retried by callback_schedule and
 * then dead.
 */
enum gh_err
callback_step(struct worker *w, struct factory_order *o)
{
	struct work_log	 begin = { .kind = WORK_LOG_CALLBACK_BEGIN };
	struct work_log	 end = { .kind = WORK_LOG_CALLBACK_END };
	char		 detail[FACTORY_ERROR_MAX + 1] = "";
	enum gh_err	 err;
	long long	 t0;
	int		 status = 0;

	o->callback_tries++;
	o->lease_until = worker_lease_for(w, factory_conf_int(&w->f->conf,
	    FACTORY_CONF_CALLBACK_CONNECT_TIMEOUT) +
	    factory_conf_int(&w->f->conf, FACTORY_CONF_CALLBACK_TIMEOUT));
	if ((err = factory_store_work_save(w->f, o, w->owner, &begin)) != GH_OK)
		return err;

	t0 = gh_mono_ms();
	err = callback_send(w, o, &status, detail, sizeof(detail));
	end.id = begin.id;
	end.ms = gh_mono_ms() - t0;
	if (err == GH_OK)
		end.http_status = status;
	else
		end.detail = detail;
	if (err == GH_OK && status >= 200 && status <= 299) {
		o->callback_state = CALLBACK_DELIVERED;
		o->next_at = -1;
		o->last_error[0] = '\0';
		w->delivered++;
		gh_log("%s: callback status=%d delivered (HTTP %d, %lld ms)",
		    o->domain, o->callback_status, status, end.ms);
	} else if (err == GH_OK && status == 410) {
		o->callback_state = CALLBACK_GONE;
		o->next_at = -1;
		gh_strlcpy(o->last_error, "callback answered 410 Gone",
		    sizeof(o->last_error));
		gh_log("%s: callback status=%d: 410 Gone, not sent again",
		    o->domain, o->callback_status);
	} else {
		if (err == GH_OK)
			snprintf(detail, sizeof(detail), "HTTP %d", status);
		callback_failed(w, o, detail);
	}
	return factory_store_work_save(w->f, o, w->owner, &end);
}
