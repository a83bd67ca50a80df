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
 * the line of the table row rather than the line of the loop.  tnow_ms()
 * and tcount_fds() serve the tests of time limits and of leaks.
 */
#ifndef TMAIN_H
#define TMAIN_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <CUnit/Basic.h>

#define TROW(line, cond)						\
	CU_assertImplementation((cond) ? CU_TRUE : CU_FALSE,		\
	    (unsigned int)(line), #cond, __FILE__, "", CU_FALSE)

struct tcase {
	const char	*name;
	void		(*fn)(void);
};
#define TCASE(f)	{ #f, f }

/* Milliseconds on the monotonic clock: only differences mean anything. */
static inline long long
tnow_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * How many descriptors this process has open (/proc/self/fd), the one
 * that reads the directory included: compare two counts, never one with
 * a constant.
 */
static inline int
tcount_fds(void)
{
	DIR		*d;
	struct dirent	*e;
	int		 n = 0;

	CU_ASSERT_FATAL((d = opendir("/proc/self/fd")) != NULL);
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

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

#define TMAIN(suite, table)						\
	int main(void) {						\
		return tmain_run(suite, table,				\
		    sizeof(table) / sizeof((table)[0]));		\
	}

#endif
