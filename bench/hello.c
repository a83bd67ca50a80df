/* SPDX-License-Identifier: ISC */
/*
 * hello: the smallest useful FastCGI responder, "the FastCGI floor" that
 * bench/run measures the services against.  It answers every request with
 * 200 and a small JSON body, as cheaply as libfcgi allows: no parsing, no
 * allocation and one buffered write per request.  Whatever a service costs
 * beyond this is its own work.
 *
 * bench/run builds it:
 *	cc -O2 -o hello hello.c $(pkg-config --cflags --libs fcgi)
 */
#include <stdio.h>

#include <fcgiapp.h>

static const char	body[] = "{\"hello\": \"world\"}";

int
main(void)
{
	FCGX_Request	req;
	char		reply[256];
	int		len;

	/* The whole answer is the same every time: build it once. */
	len = snprintf(reply, sizeof(reply),
	    "Status: 200 OK\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: %zu\r\n"
	    "\r\n"
	    "%s", sizeof(body) - 1, body);
	if (len < 0 || (size_t)len >= sizeof(reply)) {
		fputs("hello: reply does not fit\n", stderr);
		return 1;
	}
	if (FCGX_Init() != 0 || FCGX_InitRequest(&req, 0, 0) != 0) {
		fputs("hello: cannot initialise libfcgi\n", stderr);
		return 1;
	}
	while (FCGX_Accept_r(&req) >= 0) {
		FCGX_PutStr(reply, len, req.out);
		FCGX_Finish_r(&req);
	}
	FCGX_Free(&req, 1);
	return 0;
}
