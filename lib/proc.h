/* SPDX-License-Identifier: ISC */
/*
 * proc: run an operator's program with a time limit.  Input goes on its
 * stdin (never in argv or the environment); its stdout is captured up to a
 * cap; its stderr is ours (the web server's error log).  On timeout the whole
 * process group is killed.
 */
#ifndef GH_PROC_H
#define GH_PROC_H

#include <stddef.h>

#include "err.h"
#include "util.h"

/*
 * Run argv[0] (looked up in PATH) with argv, the current environment plus
 * extra_env ("NAME=value", NULL-terminated; may be NULL), stdin fed from
 * in[0..inlen) and closed, stdout appended to out (may be NULL: discarded).
 * On GH_OK *status is the exit code, or 128 + signal if it was killed by one.
 * GH_ETIMEOUT after timeout_ms (its process group is killed); GH_EIO if it
 * could not be started, a program missing from PATH included (never a
 * status of 127).  Output beyond out's cap is discarded, not an error; on
 * failure out keeps what was read.
 */
enum gh_err	 gh_proc_run(const char *const argv[], const char *const extra_env[],
		    const void *in, size_t inlen, int timeout_ms,
		    struct gh_buf *out, int *status);

#endif
