/* SPDX-License-Identifier: ISC */
/*
 * tmain: the shared main() of the CUnit suites.  A suite file defines
 *
 *	static const struct tcase tests[] = { TCASE(test_foo), … };
 *	TMAIN("util", tests)
 *
 * and gets a program that runs them, prints CUnit's report and a closing
 * "util: N passed, N failed" line, and exits non-zero on any failure.
 * Table-driven cases assert with TROW(t[i].line, cond), so a failure names
 * the line of the table row rather than the line of the loop.
 */
#ifndef TMAIN_H
#define TMAIN_H

#include <stdio.h>
#include <stdlib.h>
#include <CUnit/Basic.h>

#define TROW(line, cond)						\
	CU_assertImplementation((cond) ? CU_TRUE : CU_FALSE,		\
	    (unsigned int)(line), #cond, __FILE__, "", CU_FALSE)

struct tcase {
	const char	*name;
	void		(*fn)(void);
};
#define TCASE(f)	{ #f, f }

static inline int
tmain_run(const char *suite, const struct tcase *t, size_t n)
{
	CU_pSuite	 s;
	unsigned	 run, failed;
	size_t		 i;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	if ((s = CU_add_suite(suite, NULL, NULL)) == NULL)
		return 2;
	for (i = 0; i < n; i++)
		if (CU_add_test(s, t[i].name, t[i].fn) == NULL)
			return 2;
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	run = CU_get_number_of_tests_run();
	failed = CU_get_number_of_tests_failed();
	if (CU_get_number_of_failures() > 0 && failed == 0)
		failed = 1;
	printf("\n%s: %u passed, %u failed\n", suite, run - failed, failed);
	CU_cleanup_registry();
	return failed ? 1 : 0;
}

/*
 * The suite twice for code that runs on both database backends: as
 * sqlite_name, then with *pg set (the tests then use tpg.h's cluster) as
 * pg_name.
 */
static inline int
tmain_both(const char *sqlite_name, const char *pg_name,
    const struct tcase *t, size_t n, int *pg)
{
	int	rc;

	*pg = 0;
	rc = tmain_run(sqlite_name, t, n);
	*pg = 1;
	rc |= tmain_run(pg_name, t, n);
	return rc;
}

#define TMAIN(suite, table)						\
	int main(void) {						\
		return tmain_run(suite, table,				\
		    sizeof(table) / sizeof((table)[0]));		\
	}

#endif
