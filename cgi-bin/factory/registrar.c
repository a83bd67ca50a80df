/* SPDX-License-Identifier: ISC */
/*
 * registrar: the backends that say whether a domain can be registered.
 *   test     the spec's fixtures (available.gent, unavailable.gent,
 *            error.gent); any other name as `local`
 *   local    free unless listed in taken_domain or already ordered here
 *   command  the operator's program, run as `<command> check <domain>`:
 *            exit 0 free, 1 taken, anything else or a timeout: unavailable
 */
#include <string.h>

#include "factory.h"
#include "log.h"
#include "proc.h"

enum registrar { REG_TEST, REG_LOCAL, REG_COMMAND };

static enum gh_err
check_test(struct factory *f, const char *domain, int *available)
{
	if (strcmp(domain, "available.gent") == 0) {
		*available = 1;
		return GH_OK;
	}
	if (strcmp(domain, "unavailable.gent") == 0) {
		*available = 0;
		return GH_OK;
	}
	if (strcmp(domain, "error.gent") == 0)
		return GH_EUNAVAIL;
	return GH_ENOTFOUND;	/* not a fixture */
}

static enum gh_err
check_local(struct factory *f, const char *domain, int *available)
{
	enum gh_err	err;
	int		taken;

	if ((err = store_domain_taken(f, domain, &taken)) != GH_OK)
		return err;
	*available = !taken;
	return GH_OK;
}

static enum gh_err
check_command(struct factory *f, const char *domain, int *available)
{
	const char	*argv[] = {
		gh_conf_str(&f->conf, GH_CONF_FACTORY_REGISTRAR_COMMAND),
		"check", domain, NULL
	};
	enum gh_err	 err;
	int		 status;

	err = gh_proc_run(argv, NULL, NULL, 0,
	    (int)gh_conf_int(&f->conf, GH_CONF_FACTORY_REGISTRAR_TIMEOUT), NULL,
	    &status);
	if (err != GH_OK) {
		gh_log("registrar command for %s: %s", domain, gh_strerror(err));
		return err == GH_ETIMEOUT ? GH_ETIMEOUT : GH_EUNAVAIL;
	}
	if (status != 0 && status != 1) {
		gh_log("registrar command for %s exited %d", domain, status);
		return GH_EUNAVAIL;
	}
	*available = status == 0;
	return GH_OK;
}

enum gh_err
registrar_check(struct factory *f, const char *domain, int *available)
{
	enum gh_err	err;

	switch (gh_conf_int(&f->conf, GH_CONF_FACTORY_REGISTRAR)) {
	case REG_TEST:
		if ((err = check_test(f, domain, available)) != GH_ENOTFOUND)
			return err;
		return check_local(f, domain, available);
	case REG_LOCAL:
		return check_local(f, domain, available);
	case REG_COMMAND:
		return check_command(f, domain, available);
	default:
		return GH_EINTERNAL;
	}
}
