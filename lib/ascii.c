/* SPDX-License-Identifier: ISC */
/* ascii: what does not fit in an inline function of ascii.h. */
#include "ascii.h"

int
gh_ascii_caseeq(const char *a, const char *b, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (gh_ascii_lower(a[i]) != gh_ascii_lower(b[i]))
			return 0;
	return 1;
}
