/* SPDX-License-Identifier: ISC */
/*
 * tdir: one temporary directory per test program, made on first use and
 * removed, with everything in it, when the program exits.
 */
#ifndef TDIR_H
#define TDIR_H

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <CUnit/CUnit.h>

static char	tdir[PATH_MAX];

static inline int
tdir_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	remove(path);
	return 0;
}

static inline void
tdir_remove(void)
{
	if (tdir[0] != '\0')
		nftw(tdir, tdir_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* tdir/name into path (pathsz bytes); the directory is made on first use. */
static inline void
tpath(const char *name, char *path, size_t pathsz)
{
	char	tmpl[] = "/tmp/gh-unit.XXXXXX";

	if (tdir[0] == '\0') {
		CU_ASSERT_FATAL(mkdtemp(tmpl) != NULL);
		snprintf(tdir, sizeof(tdir), "%s", tmpl);
		atexit(tdir_remove);
	}
	CU_ASSERT_FATAL((size_t)snprintf(path, pathsz, "%s/%s", tdir, name) <
	    pathsz);
}

/*
 * A new, empty directory inside tdir into path (pathsz bytes): a fresh
 * state directory for each store test.
 */
static inline void
tdir_fresh(char *path, size_t pathsz)
{
	static int	n;
	char		name[32];

	snprintf(name, sizeof(name), "state%d", n++);
	tpath(name, path, pathsz);
	CU_ASSERT_FATAL(mkdir(path, 0700) == 0);
}

/*
 * A fresh state directory (its path into dir) with a gatehouse.conf (its
 * path into conf) that names it as state_dir and then holds sections
 * (more of the file; may be "").  0, or -1 if the file cannot be written.
 */
static inline int
tdir_state(char *dir, size_t dirsz, char *conf, size_t confsz,
    const char *sections)
{
	FILE	*fp;

	tdir_fresh(dir, dirsz);
	if ((size_t)snprintf(conf, confsz, "%s/gatehouse.conf", dir) >=
	    confsz || (fp = fopen(conf, "w")) == NULL)
		return -1;
	fprintf(fp, "[gatehouse]\nstate_dir = %s\n%s", dir, sections);
	return fclose(fp) == 0 ? 0 : -1;
}

#endif
