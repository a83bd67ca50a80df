/* SPDX-License-Identifier: ISC */
/*
 * factory: the once-per-process setup that the FastCGI program and gatectl
 * share: configuration, the service key and the database.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "factory.h"
#include "sections.h"

enum gh_err
factory_open(struct factory *f, const char *config, unsigned dbflags,
    char *errbuf, size_t errsz)
{
	enum gh_err	err;

	memset(f, 0, sizeof(*f));
	f->wakefd = -1;
	gh_buf_init(&f->scratch, 64 * 1024);
	err = gh_conf_load(&f->conf, gatehouse_sections, config, errbuf, errsz);
	if (err != GH_OK)
		goto fail;
	f->test_mode = factory_conf_int(&f->conf, FACTORY_CONF_MODE) ==
	    FACTORY_MODE_TEST;
	if ((err = gh_key_load(&f->key, gh_conf_key_file(&f->conf))) !=
	    GH_OK) {
		snprintf(errbuf, errsz, "%s: cannot load the key file: %s",
		    gh_conf_key_file(&f->conf), gh_strerror(err));
		goto fail;
	}
	if ((err = factory_store_open(f, dbflags)) != GH_OK) {
		/* Never the URI: it may name a user and a host. */
		if (strcmp(gh_conf_database(&f->conf), "sqlite") == 0)
			snprintf(errbuf, errsz, "%s/factory.db: %s%s",
			    gh_conf_state_dir(&f->conf), gh_strerror(err),
			    err == GH_ECONFIG ? " (run gatectl init)" : "");
		else
			snprintf(errbuf, errsz, "the factory's PostgreSQL "
			    "schema: %s%s", gh_strerror(err),
			    err == GH_ECONFIG ? " (run gatectl init)" : "");
		goto fail;
	}
	return GH_OK;
fail:
	gh_key_wipe(&f->key);
	gh_conf_free(&f->conf);
	gh_buf_free(&f->scratch);
	return err;
}

void
factory_close(struct factory *f)
{
	factory_store_close(f);
	if (f->wakefd != -1)
		close(f->wakefd);
	f->wakefd = -1;
	gh_key_wipe(&f->key);
	gh_conf_free(&f->conf);
	gh_buf_free(&f->scratch);
}
