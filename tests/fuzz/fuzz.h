/* SPDX-License-Identifier: ISC */
/*
 * fuzz: what every libFuzzer harness of tests/fuzz shares.  A harness
 * defines LLVMFuzzerTestOneInput(); clang's -fsanitize=fuzzer links it into
 * a fuzzer, and replay.c into a program that `make check` runs over the
 * harness's seed corpus (tests/fuzz/corpus/<name>/).
 */
#ifndef GH_FUZZ_H
#define GH_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * A NUL-terminated copy of the input for parsers of C strings (the caller
 * frees it); exits on ENOMEM, which is no finding.
 */
static inline char *
fuzz_strdup(const uint8_t *data, size_t size)
{
	char	*s;

	if ((s = malloc(size + 1)) == NULL)
		abort();
	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif
