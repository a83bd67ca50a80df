/* SPDX-License-Identifier: ISC */
/*
 * replay: the main() that `make check` links with one harness instead of
 * libFuzzer's.  It feeds every file of the harness's seed corpus (or of the
 * directories and files named as arguments) to LLVMFuzzerTestOneInput and
 * prints "fuzz/<name>: N passed, 0 failed" for ./dev test.  A finding
 * crashes (under the sanitizers) or aborts: the test then fails by its
 * exit status.  The harness's name is the program's, without "replay_".
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#define REPLAY_MAX	(1024 * 1024)	/* a seed larger than this is a mistake */

static size_t	replayed;

/* Feed one file to the harness; 0 on success, -1 (said) if unreadable. */
static int
replay_file(const char *path)
{
	FILE		*fp;
	uint8_t		*buf;
	size_t		 n;
	int		 rc = -1;

	if ((buf = malloc(REPLAY_MAX + 1)) == NULL) {
		perror("malloc");
		return -1;
	}
	if ((fp = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		goto out;
	}
	n = fread(buf, 1, REPLAY_MAX + 1, fp);
	if (ferror(fp) || n > REPLAY_MAX) {
		fprintf(stderr, "replay: %s: unreadable or over %d bytes\n",
		    path, REPLAY_MAX);
		fclose(fp);
		goto out;
	}
	fclose(fp);
	/* Exactly n bytes, as libFuzzer gives them: ASan sees any overread. */
	{
		uint8_t	*exact;

		if ((exact = malloc(n > 0 ? n : 1)) == NULL)
			goto out;
		memcpy(exact, buf, n);
		fprintf(stderr, "replay: %s\n", path);
		LLVMFuzzerTestOneInput(exact, n);
		free(exact);
	}
	replayed++;
	rc = 0;
out:
	free(buf);
	return rc;
}

/* Every regular file of dir, or dir itself when it is a file. */
static int
replay_path(const char *dir)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 st;
	char		 path[4096];
	int		 rc = 0, files = 0;

	if (stat(dir, &st) == -1) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(dir);
	if ((d = opendir(dir)) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		    de->d_name) >= sizeof(path)) {
			rc = -1;
			continue;
		}
		if (stat(path, &st) == -1 || !S_ISREG(st.st_mode))
			continue;
		files++;
		if (replay_file(path) == -1)
			rc = -1;
	}
	closedir(d);
	if (files == 0) {
		fprintf(stderr, "replay: %s: an empty corpus\n", dir);
		rc = -1;
	}
	return rc;
}

int
main(int argc, char *argv[])
{
	const char	*name;
	char		 dir[4096];
	int		 i, rc = 0;

	name = strrchr(argv[0], '/');
	name = name != NULL ? name + 1 : argv[0];
	if (strncmp(name, "replay_", 7) == 0)
		name += 7;
	if (argc > 1) {
		for (i = 1; i < argc; i++)
			if (replay_path(argv[i]) == -1)
				rc = 1;
	} else {
		if ((size_t)snprintf(dir, sizeof(dir), "%s/%s", GH_FUZZ_CORPUS,
		    name) >= sizeof(dir))
			return 1;
		if (replay_path(dir) == -1)
			rc = 1;
	}
	printf("fuzz/%s: %zu passed, %d failed\n", name, replayed, rc);
	return rc;
}
