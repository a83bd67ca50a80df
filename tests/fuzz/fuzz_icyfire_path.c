/* SPDX-License-Identifier: ISC */
/*
 * Fuzz harness for cgi-bin/icyfire/path.c: a decoded path tail as the _r
 * and _d routes ("<slot>/auth=<a>&<b>&<server>") and the _rs route
 * ("auth=<a>&<b>/query=<argument>:<data>") parse it.  Tokens must borrow
 * from the tail; argument and data must fit their fields.
 */
#include <string.h>

#include "fuzz.h"
#include "icyfire.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct icy_path	 p;
	char		*s;
	size_t		 len, i;

	s = fuzz_strdup(data, size);
	len = strlen(s);
	memset(&p, 0, sizeof(p));
	if (icy_path_slot(s, &p) == GH_OK) {
		for (i = 0; i < 2; i++)
			if (p.tok[i] < s || p.tok[i] + p.toklen[i] > s + len)
				abort();
	}
	memset(&p, 0, sizeof(p));
	if (icy_path_query(s, &p) == GH_OK) {
		if (strlen(p.arg) > ICY_ARG_MAX ||
		    strlen(p.data) > ICY_DATA_MAX)
			abort();
	}
	free(s);
	return 0;
}
