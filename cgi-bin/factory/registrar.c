/* SPDX-License-Identifier: ISC */
/*
 * registrar: the backends that say whether a domain can be registered,
 * and register it for the worker.
 *   test     the spec's fixtures (available.gent, unavailable.gent,
 *            error.gent); any other name as `local`
 *   local    free unless listed in taken_domain or already ordered here;
 *            registering adds the name to taken_domain
 *   command  the operator's program, run as `<command> check <domain>`:
 *            exit 0 free, 1 taken, anything else or a timeout: unavailable;
 *            and as `<command> register <domain>`: exit 0 registered (to
 *            us, also when it was already: the worker repeats the step
 *            after a crash), 1 taken by someone else, anything else or a
 *            timeout: a temporary failure
 */
#include <stdio.h>
#include <string.h>

#include "factory.h"
#include "log.h"
#include "proc.h"

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

	if ((err = factory_store_domain_taken(f, domain, &taken)) != GH_OK)
		return err;
	*available = !taken;
	return GH_OK;
}

static enum gh_err
check_command(struct factory *f, const char *domain, int *available)
{
	const char	*argv[] = {
		factory_conf_str(&f->conf, FACTORY_CONF_REGISTRAR_COMMAND),
		"check", domain, NULL
	};
	enum gh_err	 err;
	int		 status;

	err = gh_proc_run(argv, NULL, NULL, 0,
	    (int)factory_conf_int(&f->conf, FACTORY_CONF_REGISTRAR_TIMEOUT),
	    NULL, &status);
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

	switch (factory_conf_int(&f->conf, FACTORY_CONF_REGISTRAR)) {
	case REGISTRAR_TEST:
		if ((err = check_test(f, domain, available)) != GH_ENOTFOUND)
			return err;
		return check_local(f, domain, available);
	case REGISTRAR_LOCAL:
		return check_local(f, domain, available);
	case REGISTRAR_COMMAND:
		return check_command(f, domain, available);
	default:
		return GH_EINTERNAL;
	}
}

/*
 * Run `<registrar_command> register <domain>` and read its exit status as
 * registrar.c's header says.  Its stdout is not read; its stderr is ours.
 */
static enum gh_err
register_command(struct factory *f, const char *domain, char *detail,
    size_t detailsz)
{
	const char	*argv[] = {
		factory_conf_str(&f->conf, FACTORY_CONF_REGISTRAR_COMMAND),
		"register", domain, NULL
	};
	enum gh_err	 err;
	int		 status;

	err = gh_proc_run(argv, NULL, NULL, 0,
	    (int)factory_conf_int(&f->conf, FACTORY_CONF_REGISTRAR_TIMEOUT),
	    NULL, &status);
	if (err != GH_OK) {
		snprintf(detail, detailsz, "registrar command: %s",
		    gh_strerror(err));
		return err == GH_ETIMEOUT ? GH_ETIMEOUT : GH_EUNAVAIL;
	}
	if (status == 1) {
		snprintf(detail, detailsz, "registrar command: taken");
		return GH_ECONFLICT;
	}
	if (status != 0) {
		snprintf(detail, detailsz, "registrar command exited %d",
		    status);
		return GH_EUNAVAIL;
	}
	snprintf(detail, detailsz, "registered");
	return GH_OK;
}

/* Record the name in the local registry; repeating it changes nothing. */
static enum gh_err
register_local(struct factory *f, const char *domain, char *detail,
    size_t detailsz)
{
	enum gh_err	err;

	if ((err = factory_store_taken_add(f, domain)) != GH_OK) {
		snprintf(detail, detailsz, "local registry: %s",
		    gh_strerror(err));
		return err;
	}
	snprintf(detail, detailsz, "registered in the local registry");
	return GH_OK;
}

enum gh_err
registrar_register(struct factory *f, const char *domain, char *detail,
    size_t detailsz)
{
	switch (factory_conf_int(&f->conf, FACTORY_CONF_REGISTRAR)) {
	case REGISTRAR_TEST:
		if (strcmp(domain, "unavailable.gent") == 0) {
			snprintf(detail, detailsz, "test fixture: taken");
			return GH_ECONFLICT;
		}
		if (strcmp(domain, "error.gent") == 0) {
			snprintf(detail, detailsz, "test fixture: "
			    "registration service unavailable");
			return GH_EUNAVAIL;
		}
		return register_local(f, domain, detail, detailsz);
	case REGISTRAR_LOCAL:
		return register_local(f, domain, detail, detailsz);
	case REGISTRAR_COMMAND:
		return register_command(f, domain, detail, detailsz);
	default:
		return GH_EINTERNAL;
	}
}
