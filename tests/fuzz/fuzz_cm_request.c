/* SPDX-License-Identifier: ISC */
/*
 * Fuzz harness for cgi-bin/certmaker/request.c: the JSON body of a
 * certificate request (domains, IPs, e-mails, subject, days, key type)
 * through cm_request_parse(), and a URL's serial through cm_serial_parse().
 */
#include <string.h>

#include "certmaker.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cm_request	 r;	/* 30 KB: not on the stack */
	char				 why[CM_WHY_MAX];
	char				 serial[CM_SERIAL_HEX + 9];
	size_t				 i;

	why[0] = '\0';
	if (cm_request_parse((const char *)data, size, 825, &r, why,
	    sizeof(why)) == GH_OK) {
		if (r.ndns + r.nip + r.nemail == 0 || r.ndns > CM_NAMES_MAX ||
		    r.nip > CM_NAMES_MAX || r.nemail > CM_NAMES_MAX)
			abort();
		for (i = 0; i < r.nip; i++)
			if (r.ip[i].len != 4 && r.ip[i].len != 16)
				abort();
	} else if (why[0] == '\0')
		abort();	/* every refusal says why */
	(void)cm_serial_parse((const char *)data, size, serial);
	return 0;
}
