/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of lib/ascii.h: every byte's class agrees with the C
 * locale's, and nothing outside ASCII is a letter, digit or case.
 */
#include <ctype.h>
#include <locale.h>
#include <string.h>

#include "ascii.h"
#include "tmain.h"

static void
test_classes(void)
{
	int	c, bad = 0;

	(void)setlocale(LC_CTYPE, "C");
	for (c = 0; c < 256; c++) {
		if (gh_ascii_isdigit((unsigned char)c) != (isdigit(c) != 0) ||
		    gh_ascii_isalpha((unsigned char)c) != (isalpha(c) != 0) ||
		    gh_ascii_isxdigit((unsigned char)c) != (isxdigit(c) != 0) ||
		    (unsigned char)gh_ascii_lower((char)c) !=
		    (unsigned char)tolower(c))
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_FALSE(gh_ascii_isalpha(0xc4));	/* Latin-1 'Ä' */
	CU_ASSERT_EQUAL(gh_ascii_lower((char)0xc4), (char)0xc4);
}

static void
test_caseeq(void)
{
	CU_ASSERT_TRUE(gh_ascii_caseeq("BeArEr", "bearer", 6));
	CU_ASSERT_TRUE(gh_ascii_caseeq("abc", "abd", 2));
	CU_ASSERT_FALSE(gh_ascii_caseeq("abc", "abd", 3));
	CU_ASSERT_TRUE(gh_ascii_caseeq("", "", 0));
	/* Only ASCII folds: no Turkish dotless i, no Latin-1. */
	CU_ASSERT_FALSE(gh_ascii_caseeq("\xc4", "\xe4", 1));
	CU_ASSERT_FALSE(gh_ascii_caseeq("I", "\xc4\xb1", 1));
	CU_ASSERT_FALSE(gh_ascii_caseeq("[", "{", 1));	/* 0x5b, 0x7b */
}

static const struct tcase tests[] = {
	TCASE(test_classes),
	TCASE(test_caseeq),
};

TMAIN("ascii", tests)
