/* SPDX-License-Identifier: ISC */
#include "tmain.h"
static void test_placeholder(void) { CU_ASSERT(1); }
static const struct tcase tests[] = { TCASE(test_placeholder) };
TMAIN("token", tests)
