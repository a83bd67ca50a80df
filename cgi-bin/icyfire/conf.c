/* SPDX-License-Identifier: ISC */
/*
 * The [icyfire] section of gatehouse.conf: every key icyfire reads,
 * with its type, range, default and documentation.
 */
#include <string.h>

#include "netpol.h"
#include "icyfire.h"

static const struct gh_conf_def defs[ICYFIRE_CONF__MAX] = {
	[ICYFIRE_CONF_FERNET_KEY_FILE] = {
		"fernet_key_file", GH_CONF_PATH, 1, GH_CONF_PATH_MAX,
		"icyfire.fernet", NULL, 0,
		"File holding the Fernet key (44 characters of base64url) that "
		"encrypts the social media credentials; shared with the workers. "
		"Created by `gatectl init`, mode 0600; relative to state_dir."
	},
};

const struct gh_conf_table icyfire_conf = {
	"icyfire", defs, ICYFIRE_CONF__MAX, NULL
};
