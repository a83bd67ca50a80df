/* SPDX-License-Identifier: ISC */
/*
 * tcertmaker.h: certmaker's store for the suites that test it (certmaker's
 * and ACME's), on SQLite or, with pg set, on tpg.h's cluster.  Include
 * after tdir.h and tpg.h.
 */
#ifndef TCERTMAKER_H
#define TCERTMAKER_H

#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include "certmaker.h"
#include "crypto.h"

/*
 * Open certmaker's store (GH_DB_CREATE) in the test's directory, its
 * gatehouse.conf holding sections after [gatehouse] (may be "").  Every
 * process of a test opens the same one.  0, or -1 (said why).
 */
static inline int
tcm_open(struct certmaker *cm, int pg, const char *sections)
{
	char	conf[PATH_MAX], key[PATH_MAX], dir[PATH_MAX], errbuf[512];
	char	tmp[PATH_MAX + 16];
	FILE	*fp;

	tpath("", dir, sizeof(dir));
	tpath("gatehouse.conf", conf, sizeof(conf));
	tpath("secret.key", key, sizeof(key));
	if (access(key, F_OK) != 0 && gh_key_create(key) != GH_OK)
		return -1;
	/* Renamed into place: racing processes each open a whole one. */
	snprintf(tmp, sizeof(tmp), "%s.%ld", conf, (long)getpid());
	if ((fp = fopen(tmp, "w")) == NULL)
		return -1;
	fprintf(fp, "[gatehouse]\nstate_dir = %s\n%s%s%s%s", dir,
	    pg ? "database = " : "", pg ? tpg_uri : "", pg ? "\n" : "",
	    sections);
	if (fclose(fp) != 0 || rename(tmp, conf) != 0)
		return -1;
	if (certmaker_open(cm, conf, GH_DB_CREATE, errbuf, sizeof(errbuf)) !=
	    GH_OK) {
		printf("tcm_open: %s\n", errbuf);
		return -1;
	}
	return 0;
}

#endif
