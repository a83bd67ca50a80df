/* SPDX-License-Identifier: ISC */
/*
 * The [factory] section of gatehouse.conf: every key the factory reads,
 * with its type, range, default and documentation, and the rules that
 * span keys.
 */
#include <string.h>

#include "netpol.h"
#include "factory.h"

#ifndef GH_SBINDIR
#define GH_SBINDIR	"/usr/local/sbin"
#endif

const char *const factory_mode_names[FACTORY_MODE__MAX + 1] = {
	[FACTORY_MODE_TEST] = "test",
	[FACTORY_MODE_LIVE] = "live",
};

const char *const registrar_names[REGISTRAR__MAX + 1] = {
	[REGISTRAR_TEST] = "test",
	[REGISTRAR_LOCAL] = "local",
	[REGISTRAR_COMMAND] = "command",
};

static const struct gh_conf_def defs[FACTORY_CONF__MAX] = {
	[FACTORY_CONF_MODE] = {
		"mode", GH_CONF_ENUM, 0, 0,
		"live", factory_mode_names, 0,
		"`test` accepts the mock client and test registrar; `live` "
		"serves real orders."
	},
	[FACTORY_CONF_MAX_BODY] = {
		"max_body", GH_CONF_INT, 256, 1048576,
		"16384", NULL, 0,
		"Largest request body in bytes; a larger one is answered 413."
	},
	[FACTORY_CONF_REGISTRAR] = {
		"registrar", GH_CONF_ENUM, 0, 0,
		"local", registrar_names, 0,
		"Domain availability backend: `test` (test mode only), `local` "
		"(the taken_domain table) or `command` (registrar_command)."
	},
	[FACTORY_CONF_REGISTRAR_COMMAND] = {
		"registrar_command", GH_CONF_STR, 0, GH_CONF_STR_MAX,
		"", NULL, 0,
		"Program run as `<command> check <domain>` when registrar = "
		"command; exit 0 means available, 1 taken, anything else an "
		"error.  The worker runs `<command> register <domain>`: exit "
		"0 registered to us (also when it already was), 1 taken, "
		"anything else a temporary failure."
	},
	[FACTORY_CONF_REGISTRAR_TIMEOUT] = {
		"registrar_timeout_ms", GH_CONF_INT, 100, 60000,
		"5000", NULL, 0,
		"Milliseconds registrar_command may run before it is killed."
	},
	[FACTORY_CONF_ALLOW_HTTP_CALLBACK] = {
		"allow_http_callback", GH_CONF_BOOL, 0, 1,
		"no", NULL, 0,
		"Accept plain `http://` callback URLs (otherwise only "
		"`https://`)."
	},
	[FACTORY_CONF_DEPLOY_COMMAND] = {
		"deploy_command", GH_CONF_STR, 0, GH_CONF_STR_MAX,
		"", NULL, 0,
		"Program the worker runs as `<command> <domain>` to deploy an "
		"ordered site; it reads the installerSecret on stdin, and "
		"GATEHOUSE_DEPLOY_RETRY=1 tells it an earlier attempt was "
		"made.  Empty: nothing to deploy."
	},
	[FACTORY_CONF_DEPLOY_TIMEOUT] = {
		"deploy_timeout_s", GH_CONF_INT, 1, 86400,
		"600", NULL, 0,
		"Seconds deploy_command may run before it is killed."
	},
	[FACTORY_CONF_PROVISION_ATTEMPTS] = {
		"provision_attempts", GH_CONF_INT, 1, 100,
		"6", NULL, 0,
		"Attempts at each provisioning step (register, deploy) before "
		"the order fails and the callback reports 500."
	},
	[FACTORY_CONF_PROVISION_BACKOFF] = {
		"provision_backoff_s", GH_CONF_INT, 1, 86400,
		"60", NULL, 0,
		"Seconds before the second attempt at a failed step; doubled "
		"for each further attempt, up to an hour, with jitter."
	},
	[FACTORY_CONF_CALLBACK_SCHEDULE] = {
		"callback_schedule", GH_CONF_INTLIST, 1, 604800,
		"5,300,1800,7200,18000,36000,36000,86400,86400", NULL, 0,
		"Seconds to wait after each failed callback attempt before the "
		"next, each varied by up to 20% either way; after the last the "
		"delivery is dead."
	},
	[FACTORY_CONF_CALLBACK_CONNECT_TIMEOUT] = {
		"callback_connect_timeout_ms", GH_CONF_INT, 100, 60000,
		"5000", NULL, 0,
		"Milliseconds a callback may take to connect (TLS included)."
	},
	[FACTORY_CONF_CALLBACK_TIMEOUT] = {
		"callback_timeout_ms", GH_CONF_INT, 100, 300000,
		"15000", NULL, 0,
		"Milliseconds a callback may take in all before it counts as "
		"failed."
	},
	[FACTORY_CONF_CALLBACK_ALLOW] = {
		"callback_allow", GH_CONF_ADDRLIST, 0, GH_CONF_STR_MAX,
		"", NULL, 0,
		"Address ranges (CIDR, comma-separated) a callback may connect "
		"to even when callback_deny names them, e.g. `10.1.0.0/16` for "
		"clients on the intranet."
	},
	[FACTORY_CONF_CALLBACK_DENY] = {
		"callback_deny", GH_CONF_ADDRLIST, 0, GH_CONF_STR_MAX,
		GH_NETPOL_DENY_PRIVATE, NULL, 0,
		"Address ranges a callback may not connect to, judged on the "
		"address connected to after DNS resolution; the default is "
		"loopback, link-local, private, CGNAT, multicast and reserved. "
		"`0.0.0.0/0, ::/0` leaves only callback_allow."
	},
	[FACTORY_CONF_WEBHOOK_SIGNATURES] = {
		"webhook_signatures", GH_CONF_BOOL, 0, 1,
		"yes", NULL, 0,
		"Sign callbacks the Standard Webhooks way (webhook-id, "
		"webhook-timestamp, webhook-signature) with the client's "
		"callback secret."
	},
	[FACTORY_CONF_LEASE] = {
		"lease_s", GH_CONF_INT, 5, 3600,
		"60", NULL, 0,
		"Seconds a worker's claim on an order outlives the time limit "
		"of the step it runs (at least the database's 5 s busy "
		"timeout); then a crashed worker's order is taken over."
	},
	[FACTORY_CONF_WORKER_PROGRAM] = {
		"worker_program", GH_CONF_STR, 0, GH_CONF_STR_MAX,
		GH_SBINDIR "/gatehouse-worker", NULL, 0,
		"Absolute path of gatehouse-worker, which the factory starts "
		"(`--drain`) when an order arrives and no worker is listening. "
		"Empty: never start one."
	},
};

/*
 * The rules that span keys: a registrar's own needs, and a worker program
 * that posix_spawn() can start without a PATH search.
 */
static enum gh_err
factory_conf_check(const struct gh_conf *c, size_t *key, char *why,
    size_t whysz)
{
	const char	*v;

	switch (factory_conf_int(c, FACTORY_CONF_REGISTRAR)) {
	case REGISTRAR_COMMAND:
		if (factory_conf_str(c, FACTORY_CONF_REGISTRAR_COMMAND)[0] !=
		    '\0')
			break;
		snprintf(why, whysz, "[factory] registrar = command needs "
		    "[factory] registrar_command");
		return GH_ECONFIG;
	case REGISTRAR_TEST:
		if (factory_conf_int(c, FACTORY_CONF_MODE) == FACTORY_MODE_TEST)
			break;
		snprintf(why, whysz, "[factory] registrar = test needs "
		    "[factory] mode = test");
		return GH_ECONFIG;
	default:
		break;
	}
	v = factory_conf_str(c, FACTORY_CONF_WORKER_PROGRAM);
	if (v[0] != '\0' && v[0] != '/') {
		*key = FACTORY_CONF_WORKER_PROGRAM;
		snprintf(why, whysz, "worker_program: must be an absolute "
		    "path or empty");
		return GH_ECONFIG;
	}
	return GH_OK;
}

const struct gh_conf_table factory_conf = {
	"factory", defs, FACTORY_CONF__MAX, factory_conf_check
};
