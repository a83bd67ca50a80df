/* SPDX-License-Identifier: ISC */
/*
 * The [apihost] section of gatehouse.conf: every key the API host reads,
 * with its type, range, default and documentation.
 */
#include <string.h>

#include "netpol.h"
#include "apihost.h"

static const struct gh_conf_def defs[APIHOST_CONF__MAX] = {
	[APIHOST_CONF_PUBLIC_URL] = {
		"public_url", GH_CONF_STR, 8, 256,
		"https://api.localhost", NULL, 0,
		"The API host's own URL, without a trailing slash: the part of "
		"a webkey before '#', and $API_HOST in offer templates."
	},
	[APIHOST_CONF_BASIC_AGENTS] = {
		"basic_auth_agents", GH_CONF_STR, 0, GH_CONF_STR_MAX,
		"git/|GitHub-Hookshot/|mirall/|Mozilla/5.0 (iOS) ownCloud-iOS/|"
		"Mozilla/5.0 (Android) ownCloud-android/|litmus/", NULL, 0,
		"User-Agent prefixes, separated by '|', of clients that may "
		"present the token as a Basic password (Sandstorm's list); "
		"others must use Bearer."
	},
	[APIHOST_CONF_OFFER_EXPIRY] = {
		"offer_expiry_s", GH_CONF_INT, 10, 86400,
		"900", NULL, 0,
		"Seconds within which a token made by an offer template must "
		"first be used (or kept alive) before it expires."
	},
	[APIHOST_CONF_MAX_BODY] = {
		"max_body", GH_CONF_INT, 0, 1LL << 40,
		"1073741824", NULL, 0,
		"Largest request body in bytes the gateway streams to an app; "
		"a larger Content-Length is answered 413."
	},
	[APIHOST_CONF_CONNECT_TIMEOUT] = {
		"connect_timeout_ms", GH_CONF_INT, 100, 60000,
		"5000", NULL, 0,
		"Milliseconds to connect to an app; then 502."
	},
	[APIHOST_CONF_RESPONSE_TIMEOUT] = {
		"response_timeout_ms", GH_CONF_INT, 100, 3600000,
		"60000", NULL, 0,
		"Milliseconds an app may stay silent (no byte of its answer "
		"while nothing is being sent to it); then 504, or the "
		"transfer is cut."
	},
	[APIHOST_CONF_UPSTREAM_ALLOW] = {
		"upstream_allow", GH_CONF_ADDRLIST, 0, GH_CONF_STR_MAX,
		"", NULL, 0,
		"Address ranges (CIDR, comma-separated) the gateway may "
		"connect to even when upstream_deny names them."
	},
	[APIHOST_CONF_UPSTREAM_DENY] = {
		"upstream_deny", GH_CONF_ADDRLIST, 0, GH_CONF_STR_MAX,
		GH_NETPOL_DENY_LINKLOCAL, NULL, 0,
		"Address ranges the gateway may not connect to, judged on the "
		"address connected to after DNS resolution (then 502). Apps "
		"are the operator's, often on loopback or a private network, "
		"so the default denies only link-local (cloud metadata), "
		"unspecified, multicast and reserved addresses."
	},
};

const struct gh_conf_table apihost_conf = {
	"apihost", defs, APIHOST_CONF__MAX, NULL
};
