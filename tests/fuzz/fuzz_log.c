/* SPDX-License-Identifier: ISC */
/*
 * Fuzz harness for lib/log.c: what a request puts in a log line.  The
 * escape of any bytes must fit its buffer, be NUL-terminated and hold no
 * control character; masking a path ("auth=", "token=") must not grow
 * it.
 */
#include <string.h>

#include "fuzz.h"
#include "log.h"

static const char *const prefixes[] = { "auth=", "token=", NULL };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		 out[512], *path;
	size_t		 outsz, n, i;

	/* Every buffer size from 1 to 64, then a roomy one. */
	outsz = size > 0 ? (size_t)data[0] % 64 + 1 : 1;
	for (i = 0; i < 2; i++, outsz = sizeof(out)) {
		n = gh_log_escape((const char *)data, size, out, outsz);
		if (n >= outsz || out[n] != '\0' || strlen(out) != n)
			abort();
		while (n-- > 0)
			if ((unsigned char)out[n] < 0x20 || out[n] == 0x7f)
				abort();
	}

	path = fuzz_strdup(data, size);
	n = strlen(path);
	if (gh_log_mask(path, prefixes) != path || strlen(path) > n)
		abort();
	free(path);
	return 0;
}
