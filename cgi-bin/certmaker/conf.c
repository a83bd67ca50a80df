/* SPDX-License-Identifier: ISC */
/*
 * The [certmaker] section of gatehouse.conf: every key certmaker reads,
 * with its type, range, default and documentation.
 */
#include <string.h>

#include "netpol.h"
#include "certmaker.h"

static const struct gh_conf_def defs[CERTMAKER_CONF__MAX] = {
	[CERTMAKER_CONF_BASE_URL] = {
		"base_url", GH_CONF_STR, 0, 512,
		"", NULL, 0,
		"The service's public URL (`https://ca.example.org`) used in "
		"Location headers and in the OCSP and CRL URLs of certificates; "
		"empty: `https://` and the request's Host."
	},
	[CERTMAKER_CONF_MAX_DAYS] = {
		"max_days", GH_CONF_INT, 1, 3650,
		"397", NULL, 0,
		"Longest validity in days a certificate may ask for (never past "
		"the root's own end)."
	},
	[CERTMAKER_CONF_CHALLENGE] = {
		"challenge", GH_CONF_BOOL, 0, 1,
		"no", NULL, 0,
		"Requests get an HTTP challenge (202) that must be solved before "
		"the certificate is issued."
	},
	[CERTMAKER_CONF_CHALLENGE_TTL] = {
		"challenge_ttl_s", GH_CONF_INT, 60, 604800,
		"7200", NULL, 0,
		"Seconds a challenge may be solved in; later it is gone (410)."
	},
	[CERTMAKER_CONF_CHALLENGE_CONNECT_TIMEOUT] = {
		"challenge_connect_timeout_ms", GH_CONF_INT, 100,
		60000, "3000", NULL, 0,
		"Milliseconds a challenge fetch may take to connect."
	},
	[CERTMAKER_CONF_CHALLENGE_TIMEOUT] = {
		"challenge_timeout_ms", GH_CONF_INT, 100, 60000,
		"5000", NULL, 0,
		"Milliseconds a challenge fetch may take in all."
	},
	[CERTMAKER_CONF_CHALLENGE_ALLOW] = {
		"challenge_allow", GH_CONF_ADDRLIST, 0,
		GH_CONF_STR_MAX, "", NULL, 0,
		"Address ranges (CIDR, comma-separated) a challenge fetch may "
		"connect to even when challenge_deny names them."
	},
	[CERTMAKER_CONF_CHALLENGE_DENY] = {
		"challenge_deny", GH_CONF_ADDRLIST, 0, GH_CONF_STR_MAX,
		GH_NETPOL_DENY_PRIVATE, NULL, 0,
		"Address ranges a challenge fetch may not connect to, judged "
		"on the address connected to after DNS resolution; the "
		"default is loopback, link-local, private, CGNAT, multicast "
		"and reserved."
	},
	[CERTMAKER_CONF_OCSP_VALIDITY] = {
		"ocsp_validity_s", GH_CONF_INT, 60, 604800,
		"3600", NULL, 0,
		"Seconds between an OCSP answer's thisUpdate and nextUpdate."
	},
	[CERTMAKER_CONF_CRL_VALIDITY] = {
		"crl_validity_s", GH_CONF_INT, 60, 2592000,
		"86400", NULL, 0,
		"Seconds between the CRL's lastUpdate and nextUpdate."
	},
	[CERTMAKER_CONF_ACME_HTTP_PORT] = {
		"acme_http_port", GH_CONF_INT, 1, 65535,
		"80", NULL, 0,
		"Port that ACME http-01 challenges are fetched from (RFC 8555 "
		"says 80; `./dev serve --acme-http-port` sets another for "
		"development)."
	},
	[CERTMAKER_CONF_ACME_DAYS] = {
		"acme_days", GH_CONF_INT, 1, 3650,
		"90", NULL, 0,
		"Validity in days of certificates issued through ACME (at most "
		"max_days, never past the root's own end)."
	},
	[CERTMAKER_CONF_ACME_EAB_REQUIRED] = {
		"acme_eab_required", GH_CONF_BOOL, 0, 1,
		"no", NULL, 0,
		"New ACME accounts must carry an external account binding "
		"(`gatectl certmaker acme eab add USER`), which ties them to "
		"that certmaker user."
	},
};

const struct gh_conf_table certmaker_conf = {
	"certmaker", defs, CERTMAKER_CONF__MAX, NULL
};
