/* SPDX-License-Identifier: ISC */
/*
 * icyfire: the once-per-process setup that the FastCGI program and gatectl
 * share (configuration, the Fernet key, the database) and the names.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "icyfire.h"
#include "log.h"
#include "sections.h"

const char *const icy_token_names[ICY_TOKEN__MAX] = {
	[ICY_TOKEN_READ] = "read",
	[ICY_TOKEN_CRED] = "cred",
	[ICY_TOKEN_DELETE] = "delete",
	[ICY_TOKEN_SECURITY] = "security",
};

const char *const icy_platform_names[ICY_PLATFORM__MAX] = {
	[ICY_FACEBOOK] = "facebook",
	[ICY_TWITTER] = "twitter",
	[ICY_TUMBLR] = "tumblr",
	[ICY_REDDIT] = "reddit",
};

/* The original's credential columns, per platform. */
const char *const icy_platform_fields[ICY_PLATFORM__MAX][ICY_FIELDS_MAX + 1] = {
	[ICY_FACEBOOK] = { "access_token", "page_id", NULL },
	[ICY_TWITTER] = { "consumer_key", "consumer_secret", "access_key",
	    "access_secret", NULL },
	[ICY_TUMBLR] = { "consumer_key", "consumer_secret", "oauth_token",
	    "oauth_secret", "blog_name", NULL },
	[ICY_REDDIT] = { "client_id", "client_secret", "user_agent",
	    "username", "password", "target_subreddit", NULL },
};

const char *const icy_post_types[] = { "text", "long", "image", "video",
    NULL };

static void	batch_write(struct icyfire *f, int last);

enum gh_err
icyfire_open(struct icyfire *f, const char *config, unsigned dbflags,
    char *errbuf, size_t errsz)
{
	enum gh_err	err;

	memset(f, 0, sizeof(*f));
	err = gh_conf_load(&f->conf, gatehouse_sections, config, errbuf, errsz);
	if (err != GH_OK)
		goto fail;
	if ((err = fernet_key_load(&f->key, icyfire_conf_str(&f->conf,
	    ICYFIRE_CONF_FERNET_KEY_FILE))) != GH_OK) {
		snprintf(errbuf, errsz, "%s: cannot load the Fernet key: %s",
		    icyfire_conf_str(&f->conf, ICYFIRE_CONF_FERNET_KEY_FILE),
		    gh_strerror(err));
		goto fail;
	}
	if ((err = icyfire_store_open(f, dbflags)) != GH_OK) {
		snprintf(errbuf, errsz, "%s/icyfire.db, icyfire_log.db: %s%s",
		    gh_conf_state_dir(&f->conf), gh_strerror(err),
		    err == GH_ECONFIG ? " (run gatectl init)" : "");
		goto fail;
	}
	return GH_OK;
fail:
	OPENSSL_cleanse(&f->key, sizeof(f->key));
	gh_conf_free(&f->conf);
	return err;
}

void
icyfire_close(struct icyfire *f)
{
	if (f->nbatch > 0)
		batch_write(f, 1);	/* the last chance */
	icyfire_store_close(f);
	OPENSSL_cleanse(&f->key, sizeof(f->key));
	gh_conf_free(&f->conf);
}

/*
 * Write the batch.  One that cannot be written (the database is away,
 * after gh_txn()'s retries) is kept and tried again ICY_BATCH_MS later,
 * unless it is full or this is the last chance: then it is logged
 * as lost, with how many, and dropped, so that it never grows past
 * ICY_BATCH_MAX.
 */
static void
batch_write(struct icyfire *f, int last)
{
	enum gh_err	err;

	if ((err = icyfire_store_incidents_add(f, f->batch, f->nbatch)) ==
	    GH_OK)
		f->nbatch = 0;
	else if (last || f->nbatch == ICY_BATCH_MAX) {
		gh_log("cannot record %zu incident(s): %s", f->nbatch,
		    gh_strerror(err));
		f->nbatch = 0;
	} else {
		gh_log("cannot record the incidents yet (%zu kept): %s",
		    f->nbatch, gh_strerror(err));
		f->batch_ms = gh_mono_ms();
	}
}

void
icyfire_incident_queue(struct icyfire *f, const struct icy_incident *in)
{
	if (f->nbatch == 0)
		f->batch_ms = gh_mono_ms();
	f->batch[f->nbatch++] = *in;
	if (f->nbatch == ICY_BATCH_MAX)
		batch_write(f, 0);
	else
		icyfire_incident_flush(f, 0);
}

int
icyfire_incident_flush(struct icyfire *f, int now)
{
	long long	left;

	if (f->nbatch == 0)
		return -1;
	left = f->batch_ms + ICY_BATCH_MS - gh_mono_ms();
	if (!now && left > 0)
		return (int)left;
	batch_write(f, 0);
	return f->nbatch > 0 ? ICY_BATCH_MS : -1;
}
