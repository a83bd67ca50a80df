/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of lib/jose.c: strict base64url; the published vectors of
 * RFC 7515 (A.1 HS256, A.2 RS256, A.3 ES256), RFC 8037 (A.4 EdDSA) and
 * RFC 7638 (the RSA thumbprint, and RFC 8037 A.3's Ed25519 one);
 * flattened ACME JWSs signed by python3-cryptography when this file was
 * written (one per algorithm, with jwk and with kid, and one carrying
 * external account binding), and JWSs signed at run time with keys that
 * OpenSSL generates (key rollover among them); then every way a JWS, its
 * header or a JWK must be refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "jose.h"
#include "json.h"
#include "token.h"
#include "util.h"
#include "tmain.h"

/* The payload of RFC 7515's examples: {"iss":"joe", … with CRLFs. */
#define RFC_PAYLOAD							\
	"eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9l"	\
	"eGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"

/* RFC 7515 A.2.1's RSA key (public part) and A.2.2's signature. */
static const char rfc_rsa_jwk[] =
    "{\"kty\":\"RSA\",\"n\":\"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQo"
    "Tbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2l"
    "ZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaS"
    "HSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4u"
    "DZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q"
    "2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ\",\"e\":\"AQAB\"}";
static const char rfc_rs256_input[] = "eyJhbGciOiJSUzI1NiJ9." RFC_PAYLOAD;
static const char rfc_rs256_sig[] =
    "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7"
    "AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4"
    "BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K"
    "0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqv"
    "hJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrB"
    "p0igcN_IoypGlUPQGe77Rw";

/* RFC 7515 A.3.1's P-256 key (public part) and A.3.2's signature. */
static const char rfc_ec_jwk[] =
    "{\"kty\":\"EC\",\"crv\":\"P-256\","
    "\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
    "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}";
static const char rfc_es256_input[] = "eyJhbGciOiJFUzI1NiJ9." RFC_PAYLOAD;
static const char rfc_es256_sig[] =
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSA"
    "pmWQxfKTUJqPP3-Kg6NU1Q";

/* RFC 7515 A.4.1's P-521 key: ES512, which some ACME clients use; not we. */
static const char rfc_p521_jwk[] =
    "{\"kty\":\"EC\",\"crv\":\"P-521\",\"x\":\"AekpBQ8ST8a8VcfVOTNl353v"
    "SrDCLLJXmPk06wTjxrrjcBpXp5EOnYG_NjFZ6OvLFV1jSfS9tsz4qUxcWceqwQGk\","
    "\"y\":\"ADSmRA43Z1DSNx_RvcLI87cdL07l6jQyyBXMoxVg_l2Th-x3S1WDhjDly79a"
    "jL4Kkd0AZMaZmh9ubmf63e3kyMj2\"}";

/* RFC 7515 A.1: the HMAC key, the signing input and the MAC. */
static const char rfc_hs256_key[] =
    "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4h"
    "cgUuTwjAzZr1Z9CAow";
static const char rfc_hs256_input[] =
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9." RFC_PAYLOAD;
static const char rfc_hs256_sig[] =
    "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

/* RFC 8037 A.1's Ed25519 key (public part), A.3's thumbprint, A.4's JWS. */
static const char rfc_ed_jwk[] =
    "{\"kty\":\"OKP\",\"crv\":\"Ed25519\","
    "\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}";
static const char rfc_ed_thumb[] =
    "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k";
static const char rfc_ed_input[] =
    "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
static const char rfc_ed_sig[] =
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsP"
    "t9g7sVvpAr_MuM0KAg";

/* RFC 7638 3.1's RSA key and its thumbprint. */
static const char rfc7638_jwk[] =
    "{\"kty\":\"RSA\",\"n\":\"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFb"
    "WhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3"
    "oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0"
    "_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbO"
    "pbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIq"
    "bw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw\",\"e\":\"AQAB\","
    "\"alg\":\"RS256\",\"kid\":\"2011-04-29\"}";
static const char rfc7638_thumb[] =
    "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";

/* Signed by python3-cryptography when this file was written. */
static const struct pyvec {
	int		 line;
	enum gh_jose_alg alg;
	const char	*jwk;		/* python's, RFC 7638 order */
	const char	*thumb;
	const char	*jws_jwk;	/* newAccount with a jwk */
	const char	*jws_kid;	/* POST-as-GET with a kid */
} pyvec[] = {
	{ __LINE__, GH_JOSE_RS256,
	    "{\"e\":\"AQAB\",\"kty\":\"RSA\",\"n\":\"rVhH8JI9UJ0kZ8NxcwgR"
	    "YRJMsJvJJ4rojziMsjiU8qFy9AaM2P-C06rT5-zx6t3fk-lL0_EzYp6WqIx-"
	    "qQC2MJFG_4rE7n83q9gUGPHwakX-zF55b5QHf14tP7BxXHnZ1bMzwsQDwrMj"
	    "SKXb5_SHXMe9QbfrdvrnMFxw81CnIP5DnpqSgerrAMFjrpgWv0jXolebgEus"
	    "w8Rf8EDuLDyJ8q55UhNNEMJ4gnSLZR_8MXylyDNy5sqf-jgK6y1uS-DyoXcz"
	    "xqIQxKltHtZnynG4oM5xjvzM_U8_YStcdiZ6JFOUPQOiUST1efTy-t1ILlP8"
	    "M5vzs3zyEHURvMhxzj3Wxw\"}",
	    "w-Xd-PobPQe9qdfMocIiJEi9RRk6mQD35wlzSPkGwA0",
	    "{\"protected\": \"eyJhbGciOiJSUzI1NiIsIm5vbmNlIjoiVUlHTlg2Rk"
	    "9zZVVKVTU5ME1pZlhMdyIsInVybCI6Imh0dHBzOi8vY2VydG1ha2VyLmxvY2"
	    "FsaG9zdDo4NDQzL2FjbWUvbmV3LWFjY291bnQiLCJqd2siOnsiZSI6IkFRQU"
	    "IiLCJrdHkiOiJSU0EiLCJuIjoiclZoSDhKSTlVSjBrWjhOeGN3Z1JZUkpNc0"
	    "p2Sko0cm9qemlNc2ppVThxRnk5QWFNMlAtQzA2clQ1LXp4NnQzZmstbEwwX0"
	    "V6WXA2V3FJeC1xUUMyTUpGR180ckU3bjgzcTlnVUdQSHdha1gtekY1NWI1UU"
	    "hmMTR0UDdCeFhIbloxYk16d3NRRHdyTWpTS1hiNV9TSFhNZTlRYmZyZHZybk"
	    "1GeHc4MUNuSVA1RG5wcVNnZXJyQU1GanJwZ1d2MGpYb2xlYmdFdXN3OFJmOE"
	    "VEdUxEeUo4cTU1VWhOTkVNSjRnblNMWlJfOE1YeWx5RE55NXNxZi1qZ0s2eT"
	    "F1Uy1EeW9YY3p4cUlReEtsdEh0Wm55bkc0b001eGp2ek1fVThfWVN0Y2RpWj"
	    "ZKRk9VUFFPaVVTVDFlZlR5LXQxSUxsUDhNNXZ6czN6eUVIVVJ2TWh4emozV3"
	    "h3In19\", \"payload\": \"eyJ0ZXJtc09mU2VydmljZUFncmVlZCI6dHJ"
	    "1ZX0\", \"signature\": \"qZXeoCrjQ7wJ9Y3pP0C9A5RVf5NfI7mNq4Z"
	    "IbOKrIMjnl2usyD-2v4Bl7qWHgvdsFt1nSqsP4eZtFreEw8ncizB4_sLbbxB"
	    "Cg_0YIhxKYANzNrUhOnLMAx1yfcWslYuj94ei8kgxBfRbMsYVN3POWriCYYt"
	    "jyAqg5qJSHG-hqZv8YMkk_RNKVB3bC-ltHVBAcCqTOWOQaw7HFGasQfVgtJX"
	    "X4qwzdgHWIHA55pJ9PRR_G6sf8nAeTkNda7QlTZ_9iTb1WjBJT9dktSqd3z7"
	    "GslqcIx-t-VedoA0EEnshZvCjRLtqoaYdh08lMwir1TVQzOaexPgCvYxVU-o"
	    "b8LNhSg\"}",
	    "{\"protected\": \"eyJhbGciOiJSUzI1NiIsImtpZCI6Imh0dHBzOi8vY2"
	    "VydG1ha2VyLmxvY2FsaG9zdDo4NDQzL2FjbWUvYWNjdC8xIiwibm9uY2UiOi"
	    "JVSUdOWDZGT3NlVUpVNTkwTWlmWEx3IiwidXJsIjoiaHR0cHM6Ly9jZXJ0bW"
	    "FrZXIubG9jYWxob3N0Ojg0NDMvYWNtZS9vcmRlci83In0\", \"payload\""
	    ": \"\", \"signature\": \"p9PyxnJgBLG4a9jqio9ZGQRY9KaT2ZTDznF"
	    "2bBfsd6he6QfzSl7zdTcZa3GDfa-KiN9xrzZJ_4HEnzt7qz3Vb03xif0cAev"
	    "l9n5Di2g93HyxYfWqV-FpBj361nbPJJuoWIM1T1y9ocM9MRwCMJ2KV6RodXE"
	    "6xJ1pb0h52l7necsWY7VBjeGNXTIMf_65upVURC0W9kgO9GRvM9vfRmpV2iK"
	    "nUkKf-RVAk_Phlf3mdtevwhcUksFt9K8z564LIw-YmyZyuDBcpKek3R7zMit"
	    "4RSjwxqShXhBmAIub2x3e_PkHrDROeuQyYQiXjeBrULA5Ew8hGuMz4pVgYVa"
	    "uylKdHQ\"}" },
	{ __LINE__, GH_JOSE_ES256,
	    "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"qrQQjfeNLIjuN_6mgM"
	    "PWGjjkZbmh9cR5yzMcWDTpidY\",\"y\":\"avl7nsaB-jWbhrYKvTUL_wxr"
	    "A7i8OwhEOSsueuPY9fs\"}",
	    "kouHubRzl7IFafQBbDN1ixffRFxxrTUgn0LtNO0cNmo",
	    "{\"protected\": \"eyJhbGciOiJFUzI1NiIsIm5vbmNlIjoiVUlHTlg2Rk"
	    "9zZVVKVTU5ME1pZlhMdyIsInVybCI6Imh0dHBzOi8vY2VydG1ha2VyLmxvY2"
	    "FsaG9zdDo4NDQzL2FjbWUvbmV3LWFjY291bnQiLCJqd2siOnsiY3J2IjoiUC"
	    "0yNTYiLCJrdHkiOiJFQyIsIngiOiJxclFRamZlTkxJanVOXzZtZ01QV0dqam"
	    "taYm1oOWNSNXl6TWNXRFRwaWRZIiwieSI6ImF2bDduc2FCLWpXYmhyWUt2VF"
	    "VMX3d4ckE3aThPd2hFT1NzdWV1UFk5ZnMifX0\", \"payload\": \"eyJ0"
	    "ZXJtc09mU2VydmljZUFncmVlZCI6dHJ1ZX0\", \"signature\": \"ZtOw"
	    "yb2W_pMWBbHM6R_ZTUqiNvNi3yNX_-PTbH_19Ts3nfoMPKEzXQjmB-VlZL5B"
	    "u9lHqk9u_RZPcQZiEmnMVg\"}",
	    "{\"protected\": \"eyJhbGciOiJFUzI1NiIsImtpZCI6Imh0dHBzOi8vY2"
	    "VydG1ha2VyLmxvY2FsaG9zdDo4NDQzL2FjbWUvYWNjdC8xIiwibm9uY2UiOi"
	    "JVSUdOWDZGT3NlVUpVNTkwTWlmWEx3IiwidXJsIjoiaHR0cHM6Ly9jZXJ0bW"
	    "FrZXIubG9jYWxob3N0Ojg0NDMvYWNtZS9vcmRlci83In0\", \"payload\""
	    ": \"\", \"signature\": \"R0PafffZW74YVA2NuN1pGIYY1qlcslq0hT-"
	    "Qi9Xtk2V1Kug8RVtLaQzICH3TtYG1qhWe0QbUa5mnK_PaXT0pwA\"}" },
	{ __LINE__, GH_JOSE_ES384,
	    "{\"crv\":\"P-384\",\"kty\":\"EC\",\"x\":\"L6Yy0bk3p2iv8-x8u_"
	    "l0x_7F2LukeCpx5uAXjM8Uyigwctln1HzWD8hVTjpT02DT\",\"y\":\"7sk"
	    "rnxhckqdiydpoMgwjMEbe_-dcxvMHcoAAlz5FEAZEWiMbxPTCRh4X6KBbvrV"
	    "y\"}",
	    "H0wP2V4SxIZCcPlFSI-zvg8RcKEQuf0SnvnyDPzy2po",
	    "{\"protected\": \"eyJhbGciOiJFUzM4NCIsIm5vbmNlIjoiVUlHTlg2Rk"
	    "9zZVVKVTU5ME1pZlhMdyIsInVybCI6Imh0dHBzOi8vY2VydG1ha2VyLmxvY2"
	    "FsaG9zdDo4NDQzL2FjbWUvbmV3LWFjY291bnQiLCJqd2siOnsiY3J2IjoiUC"
	    "0zODQiLCJrdHkiOiJFQyIsIngiOiJMNll5MGJrM3AyaXY4LXg4dV9sMHhfN0"
	    "YyTHVrZUNweDV1QVhqTThVeWlnd2N0bG4xSHpXRDhoVlRqcFQwMkRUIiwieS"
	    "I6Ijdza3JueGhja3FkaXlkcG9NZ3dqTUViZV8tZGN4dk1IY29BQWx6NUZFQV"
	    "pFV2lNYnhQVENSaDRYNktCYnZyVnkifX0\", \"payload\": \"eyJ0ZXJt"
	    "c09mU2VydmljZUFncmVlZCI6dHJ1ZX0\", \"signature\": \"c-Ppogra"
	    "cBSzPtg0McFMTqlSvcL-GfTfVm4ai7MG_wxJ_9QPMSLPU9NGTBlP67g8sI4H"
	    "dNZpS1kw21R1JBs-VXOwyrvcQ4aDqfopLsgZdPbFVtb0Z09u_mGjakcruIYS"
	    "\"}",
	    "{\"protected\": \"eyJhbGciOiJFUzM4NCIsImtpZCI6Imh0dHBzOi8vY2"
	    "VydG1ha2VyLmxvY2FsaG9zdDo4NDQzL2FjbWUvYWNjdC8xIiwibm9uY2UiOi"
	    "JVSUdOWDZGT3NlVUpVNTkwTWlmWEx3IiwidXJsIjoiaHR0cHM6Ly9jZXJ0bW"
	    "FrZXIubG9jYWxob3N0Ojg0NDMvYWNtZS9vcmRlci83In0\", \"payload\""
	    ": \"\", \"signature\": \"cB3KX0vWeFJ9paKv00N-pDqGvoL_RI8WaZt"
	    "ToMn-kn3bgv9ghk65ED6cEA5_ayUqmgOvifqcZFMuu3ws45iR5rT3FXxGHpg"
	    "JLqUh2tcoV4S81-5iY9p3czT-_G9uCB5K\"}" },
	{ __LINE__, GH_JOSE_EDDSA,
	    "{\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":\"ZL3GZEfcwPORwZx"
	    "UWf9SfG0SeNQ-zpnECfrBUAl277U\"}",
	    "2WKD2qH1P5tvN9CCIg7nywKiuhjNVb_Bmf7EnX7MUh4",
	    "{\"protected\": \"eyJhbGciOiJFZERTQSIsIm5vbmNlIjoiVUlHTlg2Rk"
	    "9zZVVKVTU5ME1pZlhMdyIsInVybCI6Imh0dHBzOi8vY2VydG1ha2VyLmxvY2"
	    "FsaG9zdDo4NDQzL2FjbWUvbmV3LWFjY291bnQiLCJqd2siOnsiY3J2IjoiRW"
	    "QyNTUxOSIsImt0eSI6Ik9LUCIsIngiOiJaTDNHWkVmY3dQT1J3WnhVV2Y5U2"
	    "ZHMFNlTlEtenBuRUNmckJVQWwyNzdVIn19\", \"payload\": \"eyJ0ZXJ"
	    "tc09mU2VydmljZUFncmVlZCI6dHJ1ZX0\", \"signature\": \"bHKXJyM"
	    "iOP9blsSWnnLsGwGvNwreaCvHXps7ZvVepGxbRaUo-uzfpH49IyUGQpDpVVw"
	    "5xsdfmwLemYcJfcuuAw\"}",
	    "{\"protected\": \"eyJhbGciOiJFZERTQSIsImtpZCI6Imh0dHBzOi8vY2"
	    "VydG1ha2VyLmxvY2FsaG9zdDo4NDQzL2FjbWUvYWNjdC8xIiwibm9uY2UiOi"
	    "JVSUdOWDZGT3NlVUpVNTkwTWlmWEx3IiwidXJsIjoiaHR0cHM6Ly9jZXJ0bW"
	    "FrZXIubG9jYWxob3N0Ojg0NDMvYWNtZS9vcmRlci83In0\", \"payload\""
	    ": \"\", \"signature\": \"0x8vgg3BcHGn8uVahtyRPFMCaLF2P7OVhux"
	    "t3NYMA75adVuxlLTLrGnOBf68O-akltGnCD0_FumE5oeThNveAA\"}" },
};

/* An ES256 newAccount with external account binding, and its HMAC key. */
static const char eab_outer[] =
    "{\"protected\": \"eyJhbGciOiJFUzI1NiIsIm5vbmNlIjoiVUlHTlg2Rk"
    "9zZVVKVTU5ME1pZlhMdyIsInVybCI6Imh0dHBzOi8vY2VydG1ha2VyLmxvY2"
    "FsaG9zdDo4NDQzL2FjbWUvbmV3LWFjY291bnQiLCJqd2siOnsiY3J2IjoiUC"
    "0yNTYiLCJrdHkiOiJFQyIsIngiOiJxclFRamZlTkxJanVOXzZtZ01QV0dqam"
    "taYm1oOWNSNXl6TWNXRFRwaWRZIiwieSI6ImF2bDduc2FCLWpXYmhyWUt2VF"
    "VMX3d4ckE3aThPd2hFT1NzdWV1UFk5ZnMifX0\", \"payload\": \"eyJ0"
    "ZXJtc09mU2VydmljZUFncmVlZCI6dHJ1ZSwiZXh0ZXJuYWxBY2NvdW50Qmlu"
    "ZGluZyI6eyJwcm90ZWN0ZWQiOiJleUpoYkdjaU9pSklVekkxTmlJc0ltdHBa"
    "Q0k2SW1WaFlpMXJaWGt0TVNJc0luVnliQ0k2SW1oMGRIQnpPaTh2WTJWeWRH"
    "MWhhMlZ5TG14dlkyRnNhRzl6ZERvNE5EUXpMMkZqYldVdmJtVjNMV0ZqWTI5"
    "MWJuUWlmUSIsInBheWxvYWQiOiJleUpqY25ZaU9pSlFMVEkxTmlJc0ltdDBl"
    "U0k2SWtWRElpd2llQ0k2SW5GeVVWRnFabVZPVEVscWRVNWZObTFuVFZCWFIy"
    "cHFhMXBpYldnNVkxSTFlWHBOWTFkRVZIQnBaRmtpTENKNUlqb2lZWFpzTjI1"
    "ellVSXRhbGRpYUhKWlMzWlVWVXhmZDNoeVFUZHBPRTkzYUVWUFUzTjFaWFZR"
    "V1RsbWN5SjkiLCJzaWduYXR1cmUiOiJ5RU5oZDI2Sk50dFJWaUhsbFcwMXY5"
    "dHVaTGZmMGJxXy02YkZXVmZPX2xVIn19\", \"signature\": \"dCdtlQW"
    "WSeM-Y_N30EYjkKwzztSPIJXMNeBXNi3j1owubPuWWSV4tJruPDtqTWq9cHx"
    "fP25X0eFXuVe8gTCi2A\"}";
static const char eab_key_b64[] = "cHIBGEjD2gF38zPu57aLeuUIiKk6icWHuz6FvKdRU9E";

/* --- helpers ------------------------------------------------------------ */

/* Parse a JWK text that must be good; the caller frees the key. */
static EVP_PKEY *
jwk_ok(const char *text)
{
	EVP_PKEY	*key = NULL;
	const char	*why = NULL;

	CU_ASSERT_EQUAL_FATAL(gh_jwk_parse_text(text, strlen(text), &key,
	    &why), GH_JOSE_OK);
	CU_ASSERT_PTR_NOT_NULL_FATAL(key);
	return key;
}

/* Decode strict base64url that must be good into a new buffer. */
static unsigned char *
b64_ok(const char *s, size_t *n)
{
	unsigned char	*buf;

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf = malloc(strlen(s) + 1));
	CU_ASSERT_EQUAL_FATAL(gh_jose_b64_decode(s, strlen(s), buf,
	    strlen(s) + 1, n), GH_JOSE_OK);
	return buf;
}

/* The base64url of n bytes, NUL-terminated, appended to b. */
static void
buf_b64(struct gh_buf *b, const void *p, size_t n)
{
	char	*txt;
	size_t	 sz = GH_B64URL_SIZE(n);

	CU_ASSERT_PTR_NOT_NULL_FATAL(txt = malloc(sz));
	CU_ASSERT_EQUAL_FATAL(gh_jose_b64_encode(p, n, txt, sz), GH_JOSE_OK);
	CU_ASSERT_EQUAL_FATAL(gh_buf_puts(b, txt), GH_OK);
	free(txt);
}

/*
 * A flattened JWS in b from a protected header and a payload (raw text,
 * encoded here) and a signature already in base64url.
 */
static void
mkjws(struct gh_buf *b, const char *hdr, const char *payload, const char *sig)
{
	gh_buf_reset(b);
	CU_ASSERT_FATAL(gh_buf_puts(b, "{\"protected\":\"") == GH_OK);
	buf_b64(b, hdr, strlen(hdr));
	CU_ASSERT_FATAL(gh_buf_puts(b, "\",\"payload\":\"") == GH_OK);
	buf_b64(b, payload, strlen(payload));
	CU_ASSERT_FATAL(gh_buf_printf(b, "\",\"signature\":\"%s\"}", sig) ==
	    GH_OK);
}

/*
 * Sign like an ACME client: a flattened JWS in out of header hdr and
 * payload with the private key priv under alg; ECDSA signatures go from
 * OpenSSL's DER to JWS's R || S.
 */
static void
sign_jws(struct gh_buf *out, EVP_PKEY *priv, enum gh_jose_alg alg,
    const char *hdr, const char *payload)
{
	struct gh_buf	 in;
	EVP_MD_CTX	*ctx;
	ECDSA_SIG	*es;
	unsigned char	 sig[1024], raw[96];
	const unsigned char *p;
	const char	*md = NULL;
	size_t		 siglen = sizeof(sig), coord = 0;

	if (alg == GH_JOSE_RS256 || alg == GH_JOSE_ES256)
		md = "SHA256";
	else if (alg == GH_JOSE_ES384)
		md = "SHA384";
	coord = alg == GH_JOSE_ES256 ? 32 : alg == GH_JOSE_ES384 ? 48 : 0;
	gh_buf_init(&in, 0);
	buf_b64(&in, hdr, strlen(hdr));
	CU_ASSERT_FATAL(gh_buf_puts(&in, ".") == GH_OK);
	buf_b64(&in, payload, strlen(payload));
	CU_ASSERT_PTR_NOT_NULL_FATAL(ctx = EVP_MD_CTX_new());
	CU_ASSERT_FATAL(EVP_DigestSignInit_ex(ctx, NULL, md, NULL, NULL,
	    priv, NULL) == 1);
	CU_ASSERT_FATAL(EVP_DigestSign(ctx, sig, &siglen,
	    (unsigned char *)in.data, in.len) == 1);
	EVP_MD_CTX_free(ctx);
	if (coord != 0) {
		p = sig;
		CU_ASSERT_PTR_NOT_NULL_FATAL(es = d2i_ECDSA_SIG(NULL, &p,
		    (long)siglen));
		CU_ASSERT_FATAL(BN_bn2binpad(ECDSA_SIG_get0_r(es), raw,
		    (int)coord) == (int)coord);
		CU_ASSERT_FATAL(BN_bn2binpad(ECDSA_SIG_get0_s(es), raw + coord,
		    (int)coord) == (int)coord);
		ECDSA_SIG_free(es);
		memcpy(sig, raw, 2 * coord);
		siglen = 2 * coord;
	}
	gh_buf_reset(out);
	CU_ASSERT_FATAL(gh_buf_puts(out, "{\"protected\":\"") == GH_OK);
	CU_ASSERT_FATAL(gh_buf_add(out, in.data, strchr(in.data, '.') -
	    in.data) == GH_OK);
	CU_ASSERT_FATAL(gh_buf_printf(out, "\",\"payload\":\"%s\","
	    "\"signature\":\"", strchr(in.data, '.') + 1) == GH_OK);
	buf_b64(out, sig, siglen);
	CU_ASSERT_FATAL(gh_buf_puts(out, "\"}") == GH_OK);
	gh_buf_free(&in);
}

/* A header naming key by its canonical JWK, in b. */
static void
jwk_header(struct gh_buf *b, enum gh_jose_alg alg, EVP_PKEY *key)
{
	gh_buf_reset(b);
	CU_ASSERT_FATAL(gh_buf_printf(b, "{\"alg\":\"%s\","
	    "\"nonce\":\"bm9uY2U\","
	    "\"url\":\"https://ca.example/acme/new-account\",\"jwk\":",
	    gh_jose_alg_name(alg)) == GH_OK);
	CU_ASSERT_FATAL(gh_jwk_canonical(key, b) == GH_JOSE_OK);
	CU_ASSERT_FATAL(gh_buf_puts(b, "}") == GH_OK);
}

/* --- base64url ---------------------------------------------------------- */

static void
test_b64_strict(void)
{
	static const struct {
		int		 line;
		const char	*in;
		enum gh_jose_err want;
		const char	*raw;
		size_t		 rawlen;
	} t[] = {
		{ __LINE__, "", GH_JOSE_OK, "", 0 },
		{ __LINE__, "Zg", GH_JOSE_OK, "f", 1 },
		{ __LINE__, "Zm8", GH_JOSE_OK, "fo", 2 },
		{ __LINE__, "Zm9v", GH_JOSE_OK, "foo", 3 },
		{ __LINE__, "Zm9vYmFy", GH_JOSE_OK, "foobar", 6 },
		{ __LINE__, "-_8", GH_JOSE_OK, "\xfb\xff", 2 },
		{ __LINE__, "Zg==", GH_JOSE_EMALFORMED, NULL, 0 },
		{ __LINE__, "Zm8=", GH_JOSE_EMALFORMED, NULL, 0 },
		{ __LINE__, "Zm9v=", GH_JOSE_EMALFORMED, NULL, 0 },
		{ __LINE__, "+/8", GH_JOSE_EMALFORMED, NULL, 0 },
		{ __LINE__, "Zm9v\n", GH_JOSE_EMALFORMED, NULL, 0 },
		{ __LINE__, " Zm9v", GH_JOSE_EMALFORMED, NULL, 0 },
		{ __LINE__, "Zm 9v", GH_JOSE_EMALFORMED, NULL, 0 },
		{ __LINE__, "Zm9v\r\n", GH_JOSE_EMALFORMED, NULL, 0 },
		{ __LINE__, "Zm9.", GH_JOSE_EMALFORMED, NULL, 0 },
		{ __LINE__, "Z", GH_JOSE_EMALFORMED, NULL, 0 },
		{ __LINE__, "Zm9vY", GH_JOSE_EMALFORMED, NULL, 0 },
		/* Unused bits not zero. */
		{ __LINE__, "Zh", GH_JOSE_EMALFORMED, NULL, 0 },
		{ __LINE__, "Zm9", GH_JOSE_EMALFORMED, NULL, 0 },
		{ __LINE__, "Zm\xc3\xa9v", GH_JOSE_EMALFORMED, NULL, 0 },
	};
	unsigned char	 out[16];
	char		 txt[32];
	size_t		 i, n;

	for (i = 0; i < GH_NELEM(t); i++) {
		n = 999;
		TROW(t[i].line, gh_jose_b64_decode(t[i].in, strlen(t[i].in),
		    out, sizeof(out), &n) == t[i].want);
		if (t[i].want != GH_JOSE_OK) {
			TROW(t[i].line, n == 999);
			continue;
		}
		TROW(t[i].line, n == t[i].rawlen &&
		    memcmp(out, t[i].raw, n) == 0);
		TROW(t[i].line, gh_jose_b64_encode(t[i].raw, t[i].rawlen, txt,
		    sizeof(txt)) == GH_JOSE_OK);
		TROW(t[i].line, strcmp(txt, t[i].in) == 0);
	}
	/* A NUL inside is not the end of the text. */
	CU_ASSERT_EQUAL(gh_jose_b64_decode("Zm\0v", 4, out, sizeof(out), &n),
	    GH_JOSE_EMALFORMED);
	/* Bounded output, both ways. */
	CU_ASSERT_EQUAL(gh_jose_b64_decode("Zm9vYmFy", 8, out, 5, &n),
	    GH_JOSE_ETOOBIG);
	CU_ASSERT_EQUAL(gh_jose_b64_decode("Zm9vYmFy", 8, out, 6, &n),
	    GH_JOSE_OK);
	CU_ASSERT_EQUAL(gh_jose_b64_encode("foobar", 6, txt, 8),
	    GH_JOSE_ETOOBIG);
	CU_ASSERT_EQUAL(gh_jose_b64_encode("foobar", 6, txt, 9), GH_JOSE_OK);
}

/* --- the RFC vectors ---------------------------------------------------- */

static void
test_rfc7638_thumbprint(void)
{
	EVP_PKEY	*key;
	char		 th[GH_JOSE_THUMB_LEN + 1];
	struct gh_buf	 b;

	/* The RFC's JWK has alg and kid too: the thumbprint leaves them out. */
	key = jwk_ok(rfc7638_jwk);
	CU_ASSERT_EQUAL(gh_jwk_thumbprint(key, th), GH_JOSE_OK);
	CU_ASSERT_STRING_EQUAL(th, rfc7638_thumb);
	gh_buf_init(&b, 0);
	CU_ASSERT_EQUAL(gh_jwk_canonical(key, &b), GH_JOSE_OK);
	CU_ASSERT(strncmp(b.data,
	    "{\"e\":\"AQAB\",\"kty\":\"RSA\",\"n\":\"0vx7", 31) == 0);
	EVP_PKEY_free(key);

	key = jwk_ok(rfc_ed_jwk);
	CU_ASSERT_EQUAL(gh_jwk_thumbprint(key, th), GH_JOSE_OK);
	CU_ASSERT_STRING_EQUAL(th, rfc_ed_thumb);
	gh_buf_reset(&b);
	CU_ASSERT_EQUAL(gh_jwk_canonical(key, &b), GH_JOSE_OK);
	CU_ASSERT_STRING_EQUAL(b.data, "{\"crv\":\"Ed25519\",\"kty\":\"OKP\","
	    "\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}");
	/* A buffer too small for it: refused, and left as it was. */
	gh_buf_free(&b);
	gh_buf_init(&b, 40);
	CU_ASSERT_FATAL(gh_buf_puts(&b, "head") == GH_OK);
	CU_ASSERT_EQUAL(gh_jwk_canonical(key, &b), GH_JOSE_ETOOBIG);
	CU_ASSERT_EQUAL(b.len, 4);
	CU_ASSERT_STRING_EQUAL(b.data, "head");
	EVP_PKEY_free(key);
	gh_buf_free(&b);
}

static void
test_rfc_signatures(void)
{
	static const struct {
		int		 line;
		enum gh_jose_alg alg;
		const char	*jwk;
		const char	*input;
		const char	*sig;
	} t[] = {
		{ __LINE__, GH_JOSE_RS256, rfc_rsa_jwk, rfc_rs256_input,
		    rfc_rs256_sig },
		{ __LINE__, GH_JOSE_ES256, rfc_ec_jwk, rfc_es256_input,
		    rfc_es256_sig },
		{ __LINE__, GH_JOSE_EDDSA, rfc_ed_jwk, rfc_ed_input,
		    rfc_ed_sig },
	};
	EVP_PKEY	*key, *other;
	unsigned char	*sig;
	size_t		 i, j, n, inlen;
	char		*input;

	for (i = 0; i < GH_NELEM(t); i++) {
		key = jwk_ok(t[i].jwk);
		sig = b64_ok(t[i].sig, &n);
		inlen = strlen(t[i].input);
		TROW(t[i].line, gh_jose_verify_sig(t[i].alg, key, t[i].input,
		    inlen, sig, n, NULL) == GH_JOSE_OK);
		/* Every flipped bit of the signature, a sample of the input. */
		for (j = 0; j < n * 8; j++) {
			sig[j / 8] ^= (unsigned char)(1 << j % 8);
			TROW(t[i].line, gh_jose_verify_sig(t[i].alg, key,
			    t[i].input, inlen, sig, n, NULL) ==
			    GH_JOSE_EBADSIG);
			TROW(t[i].line, ERR_peek_error() == 0);
			sig[j / 8] ^= (unsigned char)(1 << j % 8);
		}
		CU_ASSERT_PTR_NOT_NULL_FATAL(input = strdup(t[i].input));
		for (j = 0; j < inlen; j += 7) {
			input[j] ^= 1;
			TROW(t[i].line, gh_jose_verify_sig(t[i].alg, key,
			    input, inlen, sig, n, NULL) == GH_JOSE_EBADSIG);
			input[j] ^= 1;
		}
		free(input);
		/* Truncated, or one byte longer. */
		TROW(t[i].line, gh_jose_verify_sig(t[i].alg, key, t[i].input,
		    inlen, sig, n - 1, NULL) == GH_JOSE_EBADSIG);
		TROW(t[i].line, gh_jose_verify_sig(t[i].alg, key, t[i].input,
		    inlen - 1, sig, n, NULL) == GH_JOSE_EBADSIG);
		/* The right key under any other alg is the wrong alg. */
		for (j = 0; j < GH_JOSE_ALG__MAX; j++)
			if (j != t[i].alg)
				TROW(t[i].line, gh_jose_verify_sig(
				    (enum gh_jose_alg)j, key, t[i].input, inlen,
				    sig, n, NULL) == GH_JOSE_EBADALG);
		/* And the signature under another key of the same alg fails. */
		if (t[i].alg == GH_JOSE_ES256) {
			other = jwk_ok(pyvec[1].jwk);
			TROW(t[i].line, gh_jose_verify_sig(t[i].alg, other,
			    t[i].input, inlen, sig, n, NULL) ==
			    GH_JOSE_EBADSIG);
			EVP_PKEY_free(other);
		}
		free(sig);
		EVP_PKEY_free(key);
	}
	/* ES512's key (RFC 7515 A.4) is not one of ours. */
	{
		EVP_PKEY	*k = NULL;

		CU_ASSERT_EQUAL(gh_jwk_parse_text(rfc_p521_jwk,
		    strlen(rfc_p521_jwk), &k, NULL), GH_JOSE_EBADKEY);
		CU_ASSERT_PTR_NULL(k);
	}
}

/*
 * RFC 7515 A.1 through gh_jws_verify_hs256(): its header has no kid and
 * no url, so no EAB parse takes it, and the JWS is filled in by hand.
 */
static void
test_rfc_hs256(void)
{
	struct gh_jws	 jws;
	unsigned char	*key, *mac;
	size_t		 klen, maclen, j;

	key = b64_ok(rfc_hs256_key, &klen);
	mac = b64_ok(rfc_hs256_sig, &maclen);
	memset(&jws, 0, sizeof(jws));
	jws.alg = GH_JOSE_HS256;
	CU_ASSERT_PTR_NOT_NULL_FATAL(jws.input = strdup(rfc_hs256_input));
	jws.input_len = strlen(rfc_hs256_input);
	jws.sig = mac;
	jws.sig_len = maclen;
	CU_ASSERT_EQUAL(gh_jws_verify_hs256(&jws, key, klen, NULL),
	    GH_JOSE_OK);
	for (j = 0; j < maclen * 8; j++) {
		mac[j / 8] ^= (unsigned char)(1 << j % 8);
		CU_ASSERT_EQUAL(gh_jws_verify_hs256(&jws, key, klen, NULL),
		    GH_JOSE_EBADSIG);
		mac[j / 8] ^= (unsigned char)(1 << j % 8);
	}
	CU_ASSERT_EQUAL(gh_jws_verify_hs256(&jws, key, klen - 1, NULL),
	    GH_JOSE_EBADSIG);
	jws.sig_len = maclen - 1;
	CU_ASSERT_EQUAL(gh_jws_verify_hs256(&jws, key, klen, NULL),
	    GH_JOSE_EBADSIG);
	jws.sig_len = maclen;
	CU_ASSERT_EQUAL(gh_jws_verify_hs256(&jws, key, 0, NULL),
	    GH_JOSE_EBADKEY);
	CU_ASSERT_EQUAL(gh_jws_verify_hs256(&jws, key,
	    GH_JOSE_HMAC_KEY_MAX + 1, NULL), GH_JOSE_EBADKEY);
	/* A MAC never passes for a signature, nor a signature for a MAC. */
	jws.alg = GH_JOSE_ES256;
	CU_ASSERT_EQUAL(gh_jws_verify_hs256(&jws, key, klen, NULL),
	    GH_JOSE_EBADALG);
	CU_ASSERT_EQUAL(gh_jose_verify_sig(GH_JOSE_HS256, NULL, "x", 1, mac,
	    maclen, NULL), GH_JOSE_EBADALG);
	free(jws.input);
	free(key);
	free(mac);
}

/* --- ACME JWSs signed by python3-cryptography -------------------------- */

static void
test_python_vectors(void)
{
	struct gh_jws	*jws;
	struct gh_buf	 b;
	EVP_PKEY	*key, *other;
	const char	*why;
	char		 th[GH_JOSE_THUMB_LEN + 1];
	size_t		 i, j;

	gh_buf_init(&b, 0);
	for (i = 0; i < GH_NELEM(pyvec); i++) {
		key = jwk_ok(pyvec[i].jwk);
		TROW(pyvec[i].line, gh_jwk_thumbprint(key, th) == GH_JOSE_OK);
		TROW(pyvec[i].line, strcmp(th, pyvec[i].thumb) == 0);
		gh_buf_reset(&b);
		TROW(pyvec[i].line, gh_jwk_canonical(key, &b) == GH_JOSE_OK);
		TROW(pyvec[i].line, strcmp(b.data, pyvec[i].jwk) == 0);

		/* newAccount: a jwk, a JSON payload. */
		jws = NULL;
		why = NULL;
		TROW(pyvec[i].line, gh_jws_parse(pyvec[i].jws_jwk,
		    strlen(pyvec[i].jws_jwk), 0, &jws, &why) == GH_JOSE_OK);
		if (jws == NULL) {
			fprintf(stderr, "line %d: %s\n", pyvec[i].line, why);
			EVP_PKEY_free(key);
			continue;
		}
		TROW(pyvec[i].line, jws->alg == pyvec[i].alg);
		TROW(pyvec[i].line, jws->keyref == GH_JWS_JWK);
		TROW(pyvec[i].line, jws->kid == NULL && jws->jwk != NULL);
		TROW(pyvec[i].line, strcmp(jws->url,
		    "https://certmaker.localhost:8443/acme/new-account") == 0);
		TROW(pyvec[i].line, jws->nonce != NULL &&
		    strlen(jws->nonce) == 22);
		TROW(pyvec[i].line, jws->payload_len == 29 &&
		    strcmp((const char *)jws->payload,
		    "{\"termsOfServiceAgreed\":true}") == 0);
		TROW(pyvec[i].line, gh_jwk_equal(jws->jwk, key));
		TROW(pyvec[i].line, gh_jws_verify(jws, jws->jwk, NULL) ==
		    GH_JOSE_OK);
		/* Another algorithm's key: the alg does not fit it. */
		other = jwk_ok(pyvec[(i + 1) % GH_NELEM(pyvec)].jwk);
		TROW(pyvec[i].line, !gh_jwk_equal(jws->jwk, other));
		TROW(pyvec[i].line, gh_jws_verify(jws, other, NULL) ==
		    GH_JOSE_EBADALG);
		EVP_PKEY_free(other);
		/* A flipped bit anywhere in the signature. */
		for (j = 0; j < jws->sig_len * 8; j += 5) {
			jws->sig[j / 8] ^= (unsigned char)(1 << j % 8);
			TROW(pyvec[i].line, gh_jws_verify(jws, jws->jwk,
			    NULL) == GH_JOSE_EBADSIG);
			jws->sig[j / 8] ^= (unsigned char)(1 << j % 8);
		}
		gh_jws_free(jws);

		/* POST-as-GET with a kid: the key comes from the account. */
		jws = NULL;
		TROW(pyvec[i].line, gh_jws_parse(pyvec[i].jws_kid,
		    strlen(pyvec[i].jws_kid), 0, &jws, NULL) == GH_JOSE_OK);
		if (jws != NULL) {
			TROW(pyvec[i].line, jws->keyref == GH_JWS_KID);
			TROW(pyvec[i].line, jws->jwk == NULL);
			TROW(pyvec[i].line, strcmp(jws->kid,
			    "https://certmaker.localhost:8443/acme/acct/1") ==
			    0);
			TROW(pyvec[i].line, jws->payload_len == 0 &&
			    jws->payload != NULL && jws->payload[0] == '\0');
			TROW(pyvec[i].line, gh_jws_verify(jws, key, NULL) ==
			    GH_JOSE_OK);
			TROW(pyvec[i].line, gh_jws_verify(jws, NULL, NULL) ==
			    GH_JOSE_EBADKEY);
			gh_jws_free(jws);
		}
		EVP_PKEY_free(key);
	}
	gh_buf_free(&b);
}

/* External account binding: the outer JWS, its payload, the inner one. */
static void
test_eab(void)
{
	struct gh_jws		*outer = NULL, *inner = NULL, *bad = NULL;
	struct json_object	*payload = NULL, *eab = NULL;
	EVP_PKEY		*bound = NULL;
	unsigned char		*mac;
	size_t			 maclen;
	const char		*why = NULL;

	mac = b64_ok(eab_key_b64, &maclen);
	CU_ASSERT_EQUAL_FATAL(gh_jws_parse(eab_outer, strlen(eab_outer), 0,
	    &outer, NULL), GH_JOSE_OK);
	CU_ASSERT_EQUAL(gh_jws_verify(outer, outer->jwk, NULL), GH_JOSE_OK);
	CU_ASSERT_EQUAL_FATAL(gh_jws_payload_object(outer, &payload, NULL),
	    GH_JOSE_OK);
	CU_ASSERT_EQUAL_FATAL(gh_json_get_object(payload,
	    "externalAccountBinding", &eab), GH_OK);
	CU_ASSERT_EQUAL_FATAL(gh_jws_parse_eab(eab, &inner, &why), GH_JOSE_OK);
	CU_ASSERT_EQUAL(inner->alg, GH_JOSE_HS256);
	CU_ASSERT_EQUAL(inner->keyref, GH_JWS_KID);
	CU_ASSERT_STRING_EQUAL(inner->kid, "eab-key-1");
	CU_ASSERT_PTR_NULL(inner->nonce);
	CU_ASSERT_STRING_EQUAL(inner->url, outer->url);
	CU_ASSERT_EQUAL(gh_jws_verify_hs256(inner, mac, maclen, NULL),
	    GH_JOSE_OK);
	mac[0] ^= 1;
	CU_ASSERT_EQUAL(gh_jws_verify_hs256(inner, mac, maclen, NULL),
	    GH_JOSE_EBADSIG);
	mac[0] ^= 1;
	/* An HS256 JWS is never verified as a public-key one. */
	CU_ASSERT_EQUAL(gh_jws_verify(inner, outer->jwk, NULL),
	    GH_JOSE_EBADALG);
	/* Its payload is the account key. */
	CU_ASSERT_EQUAL(gh_jwk_parse_text((const char *)inner->payload,
	    inner->payload_len, &bound, NULL), GH_JOSE_OK);
	CU_ASSERT(gh_jwk_equal(bound, outer->jwk));
	/* The inner JWS is no ACME request: its MAC alg is refused there. */
	CU_ASSERT_EQUAL(gh_jws_parse(gh_json_str(eab, NULL),
	    strlen(gh_json_str(eab, NULL)), 0, &bad, NULL), GH_JOSE_EBADALG);
	CU_ASSERT_PTR_NULL(bad);
	/* And an ACME request is no EAB JWS. */
	{
		struct json_object	*o = NULL;

		CU_ASSERT_EQUAL_FATAL(gh_json_parse_object(eab_outer,
		    strlen(eab_outer), &o, NULL), GH_OK);
		CU_ASSERT_EQUAL(gh_jws_parse_eab(o, &bad, NULL),
		    GH_JOSE_EBADALG);
		CU_ASSERT_PTR_NULL(bad);
		json_object_put(o);
	}
	EVP_PKEY_free(bound);
	gh_jws_free(inner);
	json_object_put(payload);
	gh_jws_free(outer);
	free(mac);
}

/* EAB headers: HS256 only, kid required, no jwk, no nonce. */
static void
test_eab_header(void)
{
	static const struct {
		int		 line;
		const char	*hdr;
		enum gh_jose_err want;
	} t[] = {
		{ __LINE__, "{\"alg\":\"HS256\",\"kid\":\"k\",\"url\":\"u\"}",
		    GH_JOSE_OK },
		{ __LINE__, "{\"alg\":\"HS384\",\"kid\":\"k\",\"url\":\"u\"}",
		    GH_JOSE_EBADALG },
		{ __LINE__, "{\"alg\":\"none\",\"kid\":\"k\",\"url\":\"u\"}",
		    GH_JOSE_EBADALG },
		{ __LINE__, "{\"alg\":\"HS256\",\"url\":\"u\"}",
		    GH_JOSE_EMALFORMED },
		{ __LINE__, "{\"alg\":\"HS256\",\"kid\":\"k\"}",
		    GH_JOSE_EMALFORMED },
		{ __LINE__, "{\"alg\":\"HS256\",\"kid\":\"k\",\"url\":\"u\","
		    "\"nonce\":\"AAAA\"}", GH_JOSE_EMALFORMED },
		{ __LINE__, "{\"alg\":\"HS256\",\"url\":\"u\",\"jwk\":"
		    "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":"
		    "\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}}",
		    GH_JOSE_EMALFORMED },
	};
	struct gh_buf		 b;
	struct json_object	*o;
	struct gh_jws		*jws;
	size_t			 i;

	gh_buf_init(&b, 0);
	for (i = 0; i < GH_NELEM(t); i++) {
		mkjws(&b, t[i].hdr, "{}", "AAAA");
		o = NULL;
		CU_ASSERT_EQUAL_FATAL(gh_json_parse_object(b.data, b.len, &o,
		    NULL), GH_OK);
		jws = NULL;
		TROW(t[i].line, gh_jws_parse_eab(o, &jws, NULL) == t[i].want);
		TROW(t[i].line, (jws != NULL) == (t[i].want == GH_JOSE_OK));
		gh_jws_free(jws);
		json_object_put(o);
	}
	CU_ASSERT_EQUAL(gh_jws_parse_eab(NULL, &jws, NULL), GH_JOSE_EMALFORMED);
	gh_buf_free(&b);
}

/* --- keys that OpenSSL makes now, signatures that OpenSSL makes now ----- */

/*
 * Key rollover (RFC 8555 7.3.5): an outer JWS by the old key (kid) whose
 * payload is an inner JWS by the new key (jwk) naming the old one.
 */
static void
test_keychange(void)
{
	struct gh_buf		 hdr, inner, outer, oldjwk;
	struct gh_jws		*o = NULL, *in = NULL;
	struct json_object	*payload = NULL, *ip = NULL, *okobj;
	EVP_PKEY		*oldk, *newk, *named = NULL;
	const char		*acct;

	gh_buf_init(&hdr, 0);
	gh_buf_init(&inner, 0);
	gh_buf_init(&outer, 0);
	gh_buf_init(&oldjwk, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(oldk = EVP_PKEY_Q_keygen(NULL, NULL,
	    "EC", "P-256"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(newk = EVP_PKEY_Q_keygen(NULL, NULL,
	    "ED25519"));
	CU_ASSERT_FATAL(gh_jwk_canonical(oldk, &oldjwk) == GH_JOSE_OK);
	CU_ASSERT_FATAL(gh_buf_puts(&hdr, "{\"alg\":\"EdDSA\",\"url\":"
	    "\"https://ca.example/acme/key-change\",\"jwk\":") == GH_OK);
	CU_ASSERT_FATAL(gh_jwk_canonical(newk, &hdr) == GH_JOSE_OK);
	CU_ASSERT_FATAL(gh_buf_puts(&hdr, "}") == GH_OK);
	gh_buf_reset(&outer);
	CU_ASSERT_FATAL(gh_buf_printf(&outer, "{\"account\":"
	    "\"https://ca.example/acct/1\",\"oldKey\":%s}", oldjwk.data) ==
	    GH_OK);
	sign_jws(&inner, newk, GH_JOSE_EDDSA, hdr.data, outer.data);
	sign_jws(&outer, oldk, GH_JOSE_ES256, "{\"alg\":\"ES256\","
	    "\"kid\":\"https://ca.example/acct/1\",\"nonce\":\"bm9uY2U\","
	    "\"url\":\"https://ca.example/acme/key-change\"}", inner.data);

	CU_ASSERT_EQUAL_FATAL(gh_jws_parse(outer.data, outer.len, 0, &o,
	    NULL), GH_JOSE_OK);
	CU_ASSERT_EQUAL(gh_jws_verify(o, oldk, NULL), GH_JOSE_OK);
	CU_ASSERT_EQUAL_FATAL(gh_jws_payload_object(o, &payload, NULL),
	    GH_JOSE_OK);
	CU_ASSERT_EQUAL_FATAL(gh_jws_parse_keychange(payload, &in, NULL),
	    GH_JOSE_OK);
	CU_ASSERT_EQUAL(in->keyref, GH_JWS_JWK);
	CU_ASSERT_PTR_NULL(in->nonce);
	CU_ASSERT_STRING_EQUAL(in->url, o->url);
	CU_ASSERT(gh_jwk_equal(in->jwk, newk));
	CU_ASSERT(!gh_jwk_equal(in->jwk, oldk));
	CU_ASSERT_EQUAL(gh_jws_verify(in, in->jwk, NULL), GH_JOSE_OK);
	CU_ASSERT_EQUAL(gh_jws_verify(in, oldk, NULL), GH_JOSE_EBADALG);
	CU_ASSERT_EQUAL_FATAL(gh_jws_payload_object(in, &ip, NULL),
	    GH_JOSE_OK);
	CU_ASSERT_EQUAL(gh_json_get_string(ip, "account", &acct, NULL), GH_OK);
	CU_ASSERT_STRING_EQUAL(acct, o->kid);
	CU_ASSERT_EQUAL_FATAL(gh_json_get_object(ip, "oldKey", &okobj), GH_OK);
	CU_ASSERT_EQUAL(gh_jwk_parse(okobj, &named, NULL), GH_JOSE_OK);
	CU_ASSERT(gh_jwk_equal(named, oldk));
	/* The outer JWS is no inner one: it has a nonce and a kid. */
	{
		struct json_object	*ob = NULL;
		struct gh_jws		*bad = NULL;

		CU_ASSERT_EQUAL_FATAL(gh_json_parse_object(outer.data,
		    outer.len, &ob, NULL), GH_OK);
		CU_ASSERT_EQUAL(gh_jws_parse_keychange(ob, &bad, NULL),
		    GH_JOSE_EMALFORMED);
		CU_ASSERT_PTR_NULL(bad);
		json_object_put(ob);
	}
	EVP_PKEY_free(named);
	json_object_put(ip);
	gh_jws_free(in);
	json_object_put(payload);
	gh_jws_free(o);
	EVP_PKEY_free(oldk);
	EVP_PKEY_free(newk);
	gh_buf_free(&hdr);
	gh_buf_free(&inner);
	gh_buf_free(&outer);
	gh_buf_free(&oldjwk);
}

/* keyChange inner headers: a public-key alg, jwk, no kid, no nonce. */
static void
test_keychange_header(void)
{
#define KC_JWK	"\"jwk\":{\"kty\":\"OKP\",\"crv\":\"Ed25519\","	\
	"\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}"
	static const struct {
		int		 line;
		const char	*hdr;
		enum gh_jose_err want;
	} t[] = {
		{ __LINE__, "{\"alg\":\"EdDSA\",\"url\":\"u\"," KC_JWK "}",
		    GH_JOSE_OK },
		{ __LINE__, "{\"alg\":\"EdDSA\",\"url\":\"u\"," KC_JWK
		    ",\"nonce\":\"bm9uY2U\"}", GH_JOSE_EMALFORMED },
		{ __LINE__, "{\"alg\":\"EdDSA\",\"url\":\"u\","
		    "\"kid\":\"k\"}", GH_JOSE_EMALFORMED },
		{ __LINE__, "{\"alg\":\"EdDSA\",\"url\":\"u\"," KC_JWK
		    ",\"kid\":\"k\"}", GH_JOSE_EMALFORMED },
		{ __LINE__, "{\"alg\":\"EdDSA\",\"url\":\"u\"}",
		    GH_JOSE_EMALFORMED },
		{ __LINE__, "{\"alg\":\"EdDSA\"," KC_JWK "}",
		    GH_JOSE_EMALFORMED },
		{ __LINE__, "{\"alg\":\"HS256\",\"url\":\"u\"," KC_JWK "}",
		    GH_JOSE_EBADALG },
		{ __LINE__, "{\"alg\":\"none\",\"url\":\"u\"," KC_JWK "}",
		    GH_JOSE_EBADALG },
	};
	struct gh_buf		 b;
	struct json_object	*o;
	struct gh_jws		*jws;
	size_t			 i;

	gh_buf_init(&b, 0);
	for (i = 0; i < GH_NELEM(t); i++) {
		mkjws(&b, t[i].hdr, "{}", "AAAA");
		o = NULL;
		CU_ASSERT_EQUAL_FATAL(gh_json_parse_object(b.data, b.len, &o,
		    NULL), GH_OK);
		jws = NULL;
		TROW(t[i].line, gh_jws_parse_keychange(o, &jws, NULL) ==
		    t[i].want);
		TROW(t[i].line, (jws != NULL) == (t[i].want == GH_JOSE_OK));
		gh_jws_free(jws);
		json_object_put(o);
	}
	gh_buf_free(&b);
#undef KC_JWK
}

static void
test_runtime_keys(void)
{
	static const struct {
		int		 line;
		enum gh_jose_alg alg;
		const char	*type;
		const char	*param;	/* the curve; NULL: RSA-2048, Ed25519 */
	} t[] = {
		{ __LINE__, GH_JOSE_RS256, "RSA", NULL },
		{ __LINE__, GH_JOSE_ES256, "EC", "P-256" },
		{ __LINE__, GH_JOSE_ES384, "EC", "P-384" },
		{ __LINE__, GH_JOSE_EDDSA, "ED25519", NULL },
	};
	struct gh_buf		 hdr, jwstxt;
	struct gh_jws		*jws;
	struct json_object	*obj;
	EVP_PKEY		*priv, *pub;
	char			 th1[GH_JOSE_THUMB_LEN + 1];
	char			 th2[GH_JOSE_THUMB_LEN + 1];
	size_t			 i, j;

	gh_buf_init(&hdr, 0);
	gh_buf_init(&jwstxt, 0);
	for (i = 0; i < GH_NELEM(t); i++) {
		if (strcmp(t[i].type, "RSA") == 0)
			priv = EVP_PKEY_Q_keygen(NULL, NULL, "RSA",
			    (size_t)2048);
		else if (t[i].param != NULL)
			priv = EVP_PKEY_Q_keygen(NULL, NULL, "EC",
			    t[i].param);
		else
			priv = EVP_PKEY_Q_keygen(NULL, NULL, t[i].type);
		CU_ASSERT_PTR_NOT_NULL_FATAL(priv);
		/* The JWK of a private key is its public part only. */
		jwk_header(&hdr, t[i].alg, priv);
		TROW(t[i].line, strstr(hdr.data, "\"d\"") == NULL);
		sign_jws(&jwstxt, priv, t[i].alg, hdr.data,
		    "{\"contact\":[\"mailto:a@example.org\"]}");
		jws = NULL;
		TROW(t[i].line, gh_jws_parse(jwstxt.data, jwstxt.len,
		    jwstxt.len, &jws, NULL) == GH_JOSE_OK);
		CU_ASSERT_PTR_NOT_NULL_FATAL(jws);
		TROW(t[i].line, gh_jws_verify(jws, jws->jwk, NULL) ==
		    GH_JOSE_OK);
		TROW(t[i].line, gh_jws_verify(jws, priv, NULL) == GH_JOSE_OK);
		TROW(t[i].line, gh_jwk_equal(jws->jwk, priv));
		/* One key, one thumbprint, one JWK, through JSON and back. */
		TROW(t[i].line, gh_jwk_thumbprint(jws->jwk, th1) ==
		    GH_JOSE_OK);
		TROW(t[i].line, gh_jwk_thumbprint(priv, th2) == GH_JOSE_OK);
		TROW(t[i].line, strcmp(th1, th2) == 0);
		obj = NULL;
		TROW(t[i].line, gh_jwk_to_json(priv, &obj) == GH_JOSE_OK);
		pub = NULL;
		TROW(t[i].line, gh_jwk_parse(obj, &pub, NULL) == GH_JOSE_OK);
		TROW(t[i].line, gh_jwk_equal(pub, priv));
		EVP_PKEY_free(pub);
		json_object_put(obj);
		gh_jws_free(jws);

		/* The same key under each other alg: badSignatureAlgorithm. */
		for (j = 0; j < GH_JOSE_HS256; j++) {
			if (j == t[i].alg)
				continue;
			jwk_header(&hdr, (enum gh_jose_alg)j, priv);
			sign_jws(&jwstxt, priv, t[i].alg, hdr.data, "");
			jws = NULL;
			TROW(t[i].line, gh_jws_parse(jwstxt.data, jwstxt.len,
			    0, &jws, NULL) == GH_JOSE_OK);
			if (jws == NULL)
				continue;
			TROW(t[i].line, gh_jws_verify(jws, jws->jwk, NULL) ==
			    GH_JOSE_EBADALG);
			gh_jws_free(jws);
		}

		/* A payload swapped for another: the signature fails. */
		jwk_header(&hdr, t[i].alg, priv);
		sign_jws(&jwstxt, priv, t[i].alg, hdr.data, "{\"a\":1}");
		{
			char	*p = strstr(jwstxt.data, "\"payload\":\"");

			CU_ASSERT_PTR_NOT_NULL_FATAL(p);
			/* eyJhIjoxfQ is {"a":1}; eyJhIjoyfQ is {"a":2}. */
			p = strstr(p, "eyJhIjoxfQ");
			CU_ASSERT_PTR_NOT_NULL_FATAL(p);
			p[7] = 'y';
		}
		jws = NULL;
		TROW(t[i].line, gh_jws_parse(jwstxt.data, jwstxt.len, 0, &jws,
		    NULL) == GH_JOSE_OK);
		if (jws != NULL) {
			TROW(t[i].line, strcmp((const char *)jws->payload,
			    "{\"a\":2}") == 0);
			TROW(t[i].line, gh_jws_verify(jws, jws->jwk, NULL) ==
			    GH_JOSE_EBADSIG);
			gh_jws_free(jws);
		}
		EVP_PKEY_free(priv);
	}
	gh_buf_free(&hdr);
	gh_buf_free(&jwstxt);
}

/* RSA keys outside 2048 to 4096 bits, and keys of other types. */
static void
test_key_policy(void)
{
	struct gh_buf	 b;
	EVP_PKEY	*k, *pub = NULL;
	BIGNUM		*n = NULL;
	unsigned char	 bin[128];
	char		 th[GH_JOSE_THUMB_LEN + 1];

	gh_buf_init(&b, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA",
	    (size_t)1024));
	CU_ASSERT_EQUAL(gh_jwk_canonical(k, &b), GH_JOSE_EBADKEY);
	CU_ASSERT_EQUAL(b.len, 0);
	CU_ASSERT_EQUAL(gh_jwk_thumbprint(k, th), GH_JOSE_EBADKEY);
	CU_ASSERT_EQUAL(gh_jose_verify_sig(GH_JOSE_RS256, k, "x", 1, bin,
	    sizeof(bin), NULL), GH_JOSE_EBADKEY);
	/* Its JWK, written by hand, is refused too. */
	CU_ASSERT_FATAL(EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_N, &n) ==
	    1);
	CU_ASSERT_FATAL(BN_bn2binpad(n, bin, sizeof(bin)) == sizeof(bin));
	CU_ASSERT_FATAL(gh_buf_puts(&b, "{\"kty\":\"RSA\",\"e\":\"AQAB\","
	    "\"n\":\"") == GH_OK);
	buf_b64(&b, bin, sizeof(bin));
	CU_ASSERT_FATAL(gh_buf_puts(&b, "\"}") == GH_OK);
	CU_ASSERT_EQUAL(gh_jwk_parse_text(b.data, b.len, &pub, NULL),
	    GH_JOSE_EBADKEY);
	CU_ASSERT_PTR_NULL(pub);
	BN_free(n);
	EVP_PKEY_free(k);

	/* Other curves and types. */
	CU_ASSERT_PTR_NOT_NULL_FATAL(k = EVP_PKEY_Q_keygen(NULL, NULL, "EC",
	    "P-521"));
	gh_buf_reset(&b);
	CU_ASSERT_EQUAL(gh_jwk_canonical(k, &b), GH_JOSE_EBADKEY);
	CU_ASSERT_EQUAL(gh_jose_verify_sig(GH_JOSE_ES256, k, "x", 1, bin, 64,
	    NULL), GH_JOSE_EBADKEY);
	EVP_PKEY_free(k);
	CU_ASSERT_PTR_NOT_NULL_FATAL(k = EVP_PKEY_Q_keygen(NULL, NULL,
	    "ED448"));
	CU_ASSERT_EQUAL(gh_jwk_canonical(k, &b), GH_JOSE_EBADKEY);
	EVP_PKEY_free(k);
	CU_ASSERT(!gh_jwk_equal(NULL, NULL));
	gh_buf_free(&b);
}

/* --- what must be refused ----------------------------------------------- */

/* Each a JWK text and what gh_jwk_parse_text() says of it. */
static void
test_jwk_refused(void)
{
#define ED_X	"\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\""
#define EC_X	"\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\""
#define EC_Y	"\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\""
	static const struct {
		int		 line;
		const char	*jwk;
		enum gh_jose_err want;
	} t[] = {
		{ __LINE__, "{\"kty\":\"OKP\",\"crv\":\"Ed25519\"," ED_X "}",
		    GH_JOSE_OK },
		{ __LINE__, "{\"kty\":\"OKP\",\"crv\":\"Ed25519\"," ED_X
		    ",\"use\":\"sig\",\"kid\":\"1\",\"alg\":\"EdDSA\"}",
		    GH_JOSE_OK },
		{ __LINE__, "{\"kty\":\"EC\",\"crv\":\"P-256\"," EC_X ","
		    EC_Y "}", GH_JOSE_OK },
		/* Private members. */
		{ __LINE__, "{\"kty\":\"OKP\",\"crv\":\"Ed25519\"," ED_X
		    ",\"d\":\"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A\"}",
		    GH_JOSE_EBADKEY },
		{ __LINE__, "{\"kty\":\"EC\",\"crv\":\"P-256\"," EC_X ","
		    EC_Y ",\"d\":"
		    "\"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI\"}",
		    GH_JOSE_EBADKEY },
		{ __LINE__, "{\"kty\":\"RSA\",\"n\":\"AQAB\",\"e\":\"AQAB\","
		    "\"p\":\"AQAB\"}", GH_JOSE_EBADKEY },
		{ __LINE__, "{\"kty\":\"RSA\",\"n\":\"AQAB\",\"e\":\"AQAB\","
		    "\"qi\":\"AQAB\"}", GH_JOSE_EBADKEY },
		{ __LINE__,
		    "{\"kty\":\"oct\",\"k\":\"AyM1SysPpbyDfgZld3umj1q\"}",
		    GH_JOSE_EBADKEY },
		/* Types, curves, members. */
		{ __LINE__, "{\"crv\":\"Ed25519\"," ED_X "}", GH_JOSE_EBADKEY },
		{ __LINE__, "{\"kty\":\"okp\",\"crv\":\"Ed25519\"," ED_X "}",
		    GH_JOSE_EBADKEY },
		{ __LINE__, "{\"kty\":1,\"crv\":\"Ed25519\"," ED_X "}",
		    GH_JOSE_EBADKEY },
		{ __LINE__, "{\"kty\":\"OKP\",\"crv\":\"X25519\"," ED_X "}",
		    GH_JOSE_EBADKEY },
		{ __LINE__, "{\"kty\":\"OKP\",\"crv\":\"Ed448\"," ED_X "}",
		    GH_JOSE_EBADKEY },
		{ __LINE__, "{\"kty\":\"OKP\"," ED_X "}", GH_JOSE_EBADKEY },
		{ __LINE__, "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":"
		    "\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHUQ\"}",
		    GH_JOSE_EBADKEY },		/* 31 bytes */
		{ __LINE__, "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":"
		    "\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo=\"}",
		    GH_JOSE_EBADKEY },		/* padded */
		{ __LINE__, "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":"
		    "\"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
		    GH_JOSE_EBADKEY },	/* the neutral point */
		{ __LINE__, "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":"
		    "\"xxdqcD1N2E-6PAt2DRBnDyogU_osOczGTsf9d5KsA_o\"}",
		    GH_JOSE_EBADKEY },	/* of order 8 */
		{ __LINE__, "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":"
		    "\"7P_______________________________________38\"}",
		    GH_JOSE_EBADKEY },	/* y = p - 1: order 2 */
		{ __LINE__, "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":"
		    "\"7v________________________________________8\"}",
		    GH_JOSE_EBADKEY },	/* y = p + 1, sign 1 */
		{ __LINE__, "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":"
		    "\"6________________________________________38\"}",
		    GH_JOSE_OK },	/* y = p - 2 */
		{ __LINE__, "{\"kty\":\"EC\",\"crv\":\"P-521\"," EC_X ","
		    EC_Y "}", GH_JOSE_EBADKEY },
		{ __LINE__, "{\"kty\":\"EC\",\"crv\":\"secp256k1\"," EC_X ","
		    EC_Y "}", GH_JOSE_EBADKEY },
		{ __LINE__, "{\"kty\":\"EC\"," EC_X "," EC_Y "}",
		    GH_JOSE_EBADKEY },
		{ __LINE__, "{\"kty\":\"EC\",\"crv\":\"P-256\"," EC_X "}",
		    GH_JOSE_EBADKEY },
		{ __LINE__, "{\"kty\":\"EC\",\"crv\":\"P-384\"," EC_X ","
		    EC_Y "}", GH_JOSE_EBADKEY },	/* P-256 sizes */
		{ __LINE__, "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":"
		    "\"AACdzic_YsRdQYPL7m_bS3tYBzM1e-nvE7rPbjx71UQ\"," EC_Y "}",
		    GH_JOSE_EBADKEY },	/* not on the curve */
		{ __LINE__, "{\"kty\":\"EC\",\"crv\":\"P-256\"," EC_X ","
		    "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a4\"}",
		    GH_JOSE_EBADKEY },	/* y + 1: not on the curve */
		{ __LINE__, "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":"
		    "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"y\":"
		    "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
		    GH_JOSE_EBADKEY },	/* (0, 0) */
		{ __LINE__, "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":"
		    "\"AH_Nzidw9sRdQYPL7m_bS3tYBzM1e-nvE7rPbjx70VRF\",\"y\":"
		    "\"AMfxRM0bvZt-hyzf7bnuufSzaV1uqQskrYpGIyiFiOWt\"}",
		    GH_JOSE_EBADKEY },	/* 33-byte coordinates */
		/* RSA: RFC 7515 A.2's key, spoilt one way at a time. */
		{ __LINE__, "{\"kty\":\"RSA\",\"e\":\"AQAB\",\"n\":\"AKH4Fg\"}",
		    GH_JOSE_EBADKEY },	/* leading zero */
		{ __LINE__, "{\"kty\":\"RSA\",\"e\":\"AAEAAQ\",\"n\":"
		    "\"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPd"
		    "dxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgN"
		    "MsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpa"
		    "SHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmt"
		    "dVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoud"
		    "F8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ\"}",
		    GH_JOSE_EBADKEY },	/* e with a leading zero */
		{ __LINE__, "{\"kty\":\"RSA\",\"e\":\"Aw\",\"n\":"
		    "\"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPd"
		    "dxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgN"
		    "MsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpa"
		    "SHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmt"
		    "dVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoud"
		    "F8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ\"}",
		    GH_JOSE_EBADKEY },	/* e = 3 */
		{ __LINE__, "{\"kty\":\"RSA\",\"e\":\"AQAA\",\"n\":"
		    "\"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPd"
		    "dxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgN"
		    "MsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpa"
		    "SHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmt"
		    "dVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoud"
		    "F8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ\"}",
		    GH_JOSE_EBADKEY },	/* e even */
		{ __LINE__, "{\"kty\":\"RSA\",\"e\":\"AQAB\",\"n\":"
		    "\"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPd"
		    "dxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgN"
		    "MsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpa"
		    "SHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmt"
		    "dVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoud"
		    "F8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoA\"}",
		    GH_JOSE_EBADKEY },	/* n even */
		{ __LINE__, "{\"kty\":\"RSA\",\"e\":\"AQAB\",\"n\":"
		    "\"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPd"
		    "dxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgN"
		    "MsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpa"
		    "SHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmt"
		    "dVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoud"
		    "F8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXp\"}",
		    GH_JOSE_EBADKEY },	/* 2040 bits */
		{ __LINE__,
		    "{\"kty\":\"RSA\",\"n\":\"ofgWCuLjybRlzo0tZWJjNiuSf\"}",
		    GH_JOSE_EBADKEY },	/* no e */
		{ __LINE__, "{\"kty\":\"RSA\",\"e\":\"AQAB\",\"n\":5}",
		    GH_JOSE_EBADKEY },
		/* Not JWKs at all. */
		{ __LINE__, "[]", GH_JOSE_EBADKEY },
		{ __LINE__, "null", GH_JOSE_EBADKEY },
		{ __LINE__, "{\"kty\":\"OKP\",\"crv\":\"Ed25519\"," ED_X,
		    GH_JOSE_EBADKEY },	/* truncated */
		{ __LINE__, "", GH_JOSE_EBADKEY },
	};
	EVP_PKEY	*key;
	const char	*why;
	size_t		 i;

	for (i = 0; i < GH_NELEM(t); i++) {
		key = NULL;
		why = NULL;
		TROW(t[i].line, gh_jwk_parse_text(t[i].jwk, strlen(t[i].jwk),
		    &key, &why) == t[i].want);
		TROW(t[i].line, (key != NULL) == (t[i].want == GH_JOSE_OK));
		TROW(t[i].line, t[i].want == GH_JOSE_OK || why != NULL);
		/* Nothing left on OpenSSL's error queue for others to find. */
		TROW(t[i].line, ERR_peek_error() == 0);
		EVP_PKEY_free(key);
	}
#undef ED_X
#undef EC_X
#undef EC_Y
}

/* An RSA modulus of 4104 bits: over the bound (and over the buffer). */
static void
test_jwk_huge(void)
{
	struct gh_buf	 b;
	unsigned char	 n[513];
	EVP_PKEY	*key = NULL;

	memset(n, 0xc5, sizeof(n));
	gh_buf_init(&b, 0);
	CU_ASSERT_FATAL(gh_buf_puts(&b, "{\"kty\":\"RSA\",\"e\":\"AQAB\","
	    "\"n\":\"") == GH_OK);
	buf_b64(&b, n, sizeof(n));
	CU_ASSERT_FATAL(gh_buf_puts(&b, "\"}") == GH_OK);
	CU_ASSERT_EQUAL(gh_jwk_parse_text(b.data, b.len, &key, NULL),
	    GH_JOSE_EBADKEY);
	/* A JWK text past GH_JOSE_HEADER_MAX is not even parsed. */
	while (b.len <= GH_JOSE_HEADER_MAX)
		CU_ASSERT_FATAL(gh_buf_puts(&b, "          ") == GH_OK);
	CU_ASSERT_EQUAL(gh_jwk_parse_text(b.data, b.len, &key, NULL),
	    GH_JOSE_ETOOBIG);
	CU_ASSERT_PTR_NULL(key);
	gh_buf_free(&b);
}

#define GOOD_KID	"\"kid\":\"https://ca.example/acct/1\""
#define GOOD_URL	"\"url\":\"https://ca.example/acme/order\""
#define GOOD_NONCE	"\"nonce\":\"bm9uY2U\""
#define GOOD_JWK	"\"jwk\":{\"kty\":\"OKP\",\"crv\":\"Ed25519\","	\
	"\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}"

/* Protected headers, each in an otherwise good JWS. */
static void
test_header_refused(void)
{
	static const struct {
		int		 line;
		const char	*hdr;
		enum gh_jose_err want;
	} t[] = {
		{ __LINE__, "{\"alg\":\"ES256\"," GOOD_KID "," GOOD_NONCE ","
		    GOOD_URL "}", GH_JOSE_OK },
		{ __LINE__, "{\"alg\":\"EdDSA\"," GOOD_JWK "," GOOD_NONCE ","
		    GOOD_URL "}", GH_JOSE_OK },
		{ __LINE__, "{\"alg\":\"RS256\"," GOOD_KID "," GOOD_NONCE ","
		    GOOD_URL ",\"typ\":\"JOSE\",\"b64\":true}", GH_JOSE_OK },
		/* alg */
		{ __LINE__, "{\"alg\":\"none\"," GOOD_KID "," GOOD_NONCE ","
		    GOOD_URL "}", GH_JOSE_EBADALG },
		{ __LINE__, "{\"alg\":\"None\"," GOOD_KID "," GOOD_NONCE ","
		    GOOD_URL "}", GH_JOSE_EBADALG },
		{ __LINE__, "{\"alg\":\"HS256\"," GOOD_KID "," GOOD_NONCE ","
		    GOOD_URL "}", GH_JOSE_EBADALG },
		{ __LINE__, "{\"alg\":\"HS512\"," GOOD_KID "," GOOD_NONCE ","
		    GOOD_URL "}", GH_JOSE_EBADALG },
		{ __LINE__, "{\"alg\":\"PS256\"," GOOD_KID "," GOOD_NONCE ","
		    GOOD_URL "}", GH_JOSE_EBADALG },
		{ __LINE__, "{\"alg\":\"ES512\"," GOOD_KID "," GOOD_NONCE ","
		    GOOD_URL "}", GH_JOSE_EBADALG },
		{ __LINE__, "{\"alg\":\"es256\"," GOOD_KID "," GOOD_NONCE ","
		    GOOD_URL "}", GH_JOSE_EBADALG },
		{ __LINE__, "{\"alg\":\"\"," GOOD_KID "," GOOD_NONCE ","
		    GOOD_URL "}", GH_JOSE_EBADALG },
		{ __LINE__, "{" GOOD_KID "," GOOD_NONCE "," GOOD_URL "}",
		    GH_JOSE_EMALFORMED },
		{ __LINE__, "{\"alg\":256," GOOD_KID "," GOOD_NONCE ","
		    GOOD_URL "}", GH_JOSE_EMALFORMED },
		/* jwk and kid */
		{ __LINE__, "{\"alg\":\"EdDSA\"," GOOD_JWK "," GOOD_KID ","
		    GOOD_NONCE "," GOOD_URL "}", GH_JOSE_EMALFORMED },
		{ __LINE__, "{\"alg\":\"EdDSA\"," GOOD_NONCE "," GOOD_URL "}",
		    GH_JOSE_EMALFORMED },
		{ __LINE__, "{\"alg\":\"EdDSA\",\"jwk\":null," GOOD_NONCE ","
		    GOOD_URL "}", GH_JOSE_EBADKEY },
		{ __LINE__, "{\"alg\":\"EdDSA\",\"jwk\":\"k\"," GOOD_NONCE ","
		    GOOD_URL "}", GH_JOSE_EBADKEY },
		{ __LINE__, "{\"alg\":\"EdDSA\",\"jwk\":{\"kty\":\"OKP\","
		    "\"crv\":\"Ed25519\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPap"
		    "iMlrwIaaPcHURo\",\"d\":\"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZc"
		    "DusAxyuf2A\"}," GOOD_NONCE "," GOOD_URL "}",
		    GH_JOSE_EBADKEY },
		{ __LINE__, "{\"alg\":\"ES256\",\"kid\":\"\"," GOOD_NONCE ","
		    GOOD_URL "}", GH_JOSE_EMALFORMED },
		{ __LINE__, "{\"alg\":\"ES256\",\"kid\":1," GOOD_NONCE ","
		    GOOD_URL "}", GH_JOSE_EMALFORMED },
		{ __LINE__, "{\"alg\":\"ES256\",\"kid\":null," GOOD_NONCE ","
		    GOOD_URL "}", GH_JOSE_EMALFORMED },
		/* nonce */
		{ __LINE__, "{\"alg\":\"ES256\"," GOOD_KID "," GOOD_URL "}",
		    GH_JOSE_EBADNONCE },
		{ __LINE__, "{\"alg\":\"ES256\"," GOOD_KID ",\"nonce\":\"\","
		    GOOD_URL "}", GH_JOSE_EBADNONCE },
		{ __LINE__, "{\"alg\":\"ES256\"," GOOD_KID ",\"nonce\":1,"
		    GOOD_URL "}", GH_JOSE_EBADNONCE },
		{ __LINE__, "{\"alg\":\"ES256\"," GOOD_KID ",\"nonce\":\"bm9u"
		    "Y2U=\"," GOOD_URL "}", GH_JOSE_EBADNONCE },
		{ __LINE__, "{\"alg\":\"ES256\"," GOOD_KID ",\"nonce\":\"a+b/"
		    "\"," GOOD_URL "}", GH_JOSE_EBADNONCE },
		{ __LINE__, "{\"alg\":\"ES256\"," GOOD_KID ",\"nonce\":\"bm9u "
		    "Y2U\"," GOOD_URL "}", GH_JOSE_EBADNONCE },
		{ __LINE__, "{\"alg\":\"ES256\"," GOOD_KID ",\"nonce\":\""
		    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		    "AAAAAAAAAAAAAAAAAA\"," GOOD_URL "}",
		    GH_JOSE_EBADNONCE },	/* 132 characters */
		/* url */
		{ __LINE__, "{\"alg\":\"ES256\"," GOOD_KID "," GOOD_NONCE "}",
		    GH_JOSE_EMALFORMED },
		{ __LINE__, "{\"alg\":\"ES256\"," GOOD_KID "," GOOD_NONCE
		    ",\"url\":\"\"}", GH_JOSE_EMALFORMED },
		{ __LINE__, "{\"alg\":\"ES256\"," GOOD_KID "," GOOD_NONCE
		    ",\"url\":[\"u\"]}", GH_JOSE_EMALFORMED },
		{ __LINE__, "{\"alg\":\"ES256\"," GOOD_KID "," GOOD_NONCE
		    ",\"url\":\"a\\u0000b\"}", GH_JOSE_EMALFORMED },
		/* extensions */
		{ __LINE__, "{\"alg\":\"ES256\"," GOOD_KID "," GOOD_NONCE ","
		    GOOD_URL ",\"crit\":[\"exp\"],\"exp\":1}",
		    GH_JOSE_EMALFORMED },
		{ __LINE__, "{\"alg\":\"ES256\"," GOOD_KID "," GOOD_NONCE ","
		    GOOD_URL ",\"b64\":false,\"crit\":[\"b64\"]}",
		    GH_JOSE_EMALFORMED },
		{ __LINE__, "{\"alg\":\"ES256\"," GOOD_KID "," GOOD_NONCE ","
		    GOOD_URL ",\"b64\":false}", GH_JOSE_EMALFORMED },
		/* not a JSON object */
		{ __LINE__, "[\"alg\",\"ES256\"]", GH_JOSE_EMALFORMED },
		{ __LINE__, "{\"alg\":\"ES256\"," GOOD_KID "," GOOD_NONCE ","
		    GOOD_URL, GH_JOSE_EMALFORMED },
		{ __LINE__, "{\"alg\":\"ES256\",\"alg\":\"none\"," GOOD_KID ","
		    GOOD_NONCE "," GOOD_URL "}", GH_JOSE_EMALFORMED },
		{ __LINE__, "{\"alg\":\"ES256\"," GOOD_KID "," GOOD_NONCE ","
		    GOOD_URL "} x", GH_JOSE_EMALFORMED },
		{ __LINE__, "", GH_JOSE_EMALFORMED },
	};
	struct gh_buf	 b;
	struct gh_jws	*jws;
	const char	*why;
	size_t		 i;

	gh_buf_init(&b, 0);
	for (i = 0; i < GH_NELEM(t); i++) {
		mkjws(&b, t[i].hdr, "{}", "AAAA");
		jws = NULL;
		why = NULL;
		TROW(t[i].line, gh_jws_parse(b.data, b.len, 0, &jws, &why) ==
		    t[i].want);
		TROW(t[i].line, (jws != NULL) == (t[i].want == GH_JOSE_OK));
		TROW(t[i].line, t[i].want == GH_JOSE_OK || why != NULL);
		gh_jws_free(jws);
	}
	gh_buf_free(&b);
}

/* The envelope: whole JWS texts. */
static void
test_envelope_refused(void)
{
#define P	"\"protected\":\"eyJhbGciOiJFUzI1NiIsImtpZCI6Imh0dHBzOi8vY2Eu" \
	"ZXhhbXBsZS9hY2N0LzEiLCJub25jZSI6ImJtOXVZMlUiLCJ1cmwiOiJodHRw"	\
	"czovL2NhLmV4YW1wbGUvYWNtZS9vcmRlciJ9\""
	static const struct {
		int		 line;
		const char	*jws;
		enum gh_jose_err want;
	} t[] = {
		{ __LINE__, "{" P
		    ",\"payload\":\"e30\",\"signature\":\"AAAA\"}",
		    GH_JOSE_OK },
		{ __LINE__, "{" P ",\"payload\":\"\",\"signature\":\"AAAA\"}",
		    GH_JOSE_OK },
		{ __LINE__,
		    "{\"signature\":\"AAAA\",\"payload\":\"e30\"," P "}",
		    GH_JOSE_OK },
		{ __LINE__, " {" P
		    ",\"payload\":\"e30\",\"signature\":\"AAAA\","
		    "\"x-extra\":{\"a\":[1]}}\n", GH_JOSE_OK },
		/* Other serialisations and unprotected headers. */
		{ __LINE__, "{\"payload\":\"e30\",\"signatures\":[{" P ","
		    "\"signature\":\"AAAA\"}]}", GH_JOSE_EMALFORMED },
		{ __LINE__, "{" P ",\"payload\":\"e30\",\"signature\":\"AAAA\","
		    "\"signatures\":[]}", GH_JOSE_EMALFORMED },
		{ __LINE__, "{" P ",\"header\":{\"kid\":\"x\"},\"payload\":"
		    "\"e30\",\"signature\":\"AAAA\"}", GH_JOSE_EMALFORMED },
		{ __LINE__, "\"eyJhbGciOiJFUzI1NiJ9.e30.AAAA\"",
		    GH_JOSE_EMALFORMED },
		{ __LINE__, "eyJhbGciOiJFUzI1NiJ9.e30.AAAA",
		    GH_JOSE_EMALFORMED },
		/* Members missing, empty or of the wrong type. */
		{ __LINE__, "{" P ",\"signature\":\"AAAA\"}",
		    GH_JOSE_EMALFORMED },
		{ __LINE__, "{" P ",\"payload\":null,\"signature\":\"AAAA\"}",
		    GH_JOSE_EMALFORMED },
		{ __LINE__, "{" P ",\"payload\":{},\"signature\":\"AAAA\"}",
		    GH_JOSE_EMALFORMED },
		{ __LINE__, "{" P ",\"payload\":\"e30\"}", GH_JOSE_EMALFORMED },
		{ __LINE__, "{" P ",\"payload\":\"e30\",\"signature\":\"\"}",
		    GH_JOSE_EMALFORMED },
		{ __LINE__, "{" P ",\"payload\":\"e30\",\"signature\":1}",
		    GH_JOSE_EMALFORMED },
		{ __LINE__, "{\"payload\":\"e30\",\"signature\":\"AAAA\"}",
		    GH_JOSE_EMALFORMED },
		{ __LINE__, "{\"protected\":\"\",\"payload\":\"e30\","
		    "\"signature\":\"AAAA\"}", GH_JOSE_EMALFORMED },
		/* Base64url that is not strict. */
		{ __LINE__, "{" P
		    ",\"payload\":\"e30=\",\"signature\":\"AAAA\"}",
		    GH_JOSE_EMALFORMED },
		{ __LINE__, "{" P
		    ",\"payload\":\"e30\",\"signature\":\"AAA=\"}",
		    GH_JOSE_EMALFORMED },
		{ __LINE__, "{" P
		    ",\"payload\":\"e3 0\",\"signature\":\"AAAA\"}",
		    GH_JOSE_EMALFORMED },
		{ __LINE__, "{" P
		    ",\"payload\":\"e30\",\"signature\":\"AA/A\"}",
		    GH_JOSE_EMALFORMED },
		{ __LINE__, "{\"protected\":\"eyJhbGciOiJFUzI1NiJ9=\","
		    "\"payload\":\"e30\",\"signature\":\"AAAA\"}",
		    GH_JOSE_EMALFORMED },
		/* JSON that is not. */
		{ __LINE__, "{" P ",\"payload\":\"e30\",\"signature\":\"AAAA\"",
		    GH_JOSE_EMALFORMED },
		{ __LINE__, "{" P ",\"payload\":\"e30\",\"signature\":\"AAAA\"}"
		    "{}", GH_JOSE_EMALFORMED },
		{ __LINE__, "{" P ",\"payload\":\"e30\",\"payload\":\"\","
		    "\"signature\":\"AAAA\"}", GH_JOSE_EMALFORMED },
		{ __LINE__, "[]", GH_JOSE_EMALFORMED },
		{ __LINE__, "null", GH_JOSE_EMALFORMED },
		{ __LINE__, "", GH_JOSE_EMALFORMED },
	};
	struct gh_jws	*jws;
	const char	*why;
	size_t		 i, len, cut;
	int		 ok;

	for (i = 0; i < GH_NELEM(t); i++) {
		jws = NULL;
		why = NULL;
		TROW(t[i].line, gh_jws_parse(t[i].jws, strlen(t[i].jws), 0,
		    &jws, &why) == t[i].want);
		TROW(t[i].line, (jws != NULL) == (t[i].want == GH_JOSE_OK));
		TROW(t[i].line, t[i].want == GH_JOSE_OK || why != NULL);
		gh_jws_free(jws);
	}
	/* Every truncation of a good JWS is refused. */
	len = strlen(t[0].jws);
	ok = 1;
	for (cut = 0; cut < len; cut++) {
		jws = NULL;
		if (gh_jws_parse(t[0].jws, cut, 0, &jws, NULL) !=
		    GH_JOSE_EMALFORMED || jws != NULL)
			ok = 0;
		gh_jws_free(jws);
	}
	CU_ASSERT(ok);
#undef P
}

/* POST-as-GET and the payload as JSON. */
static void
test_payload(void)
{
	static const struct {
		int		 line;
		const char	*payload;	/* raw */
		enum gh_jose_err want;
	} t[] = {
		{ __LINE__, "{}", GH_JOSE_OK },
		{ __LINE__, "{\"status\":\"deactivated\"}", GH_JOSE_OK },
		{ __LINE__, "", GH_JOSE_EMALFORMED },
		{ __LINE__, "[]", GH_JOSE_EMALFORMED },
		{ __LINE__, "\"\"", GH_JOSE_EMALFORMED },
		{ __LINE__, "{\"a\":1,\"a\":2}", GH_JOSE_EMALFORMED },
		{ __LINE__, "{} {}", GH_JOSE_EMALFORMED },
		{ __LINE__, "{", GH_JOSE_EMALFORMED },
	};
	struct gh_buf		 b;
	struct gh_jws		*jws;
	struct json_object	*obj;
	size_t			 i;

	gh_buf_init(&b, 0);
	for (i = 0; i < GH_NELEM(t); i++) {
		mkjws(&b, "{\"alg\":\"ES256\"," GOOD_KID "," GOOD_NONCE ","
		    GOOD_URL "}", t[i].payload, "AAAA");
		jws = NULL;
		CU_ASSERT_EQUAL_FATAL(gh_jws_parse(b.data, b.len, 0, &jws,
		    NULL), GH_JOSE_OK);
		TROW(t[i].line, jws->payload_len == strlen(t[i].payload));
		TROW(t[i].line, strcmp((const char *)jws->payload,
		    t[i].payload) == 0);
		obj = NULL;
		TROW(t[i].line, gh_jws_payload_object(jws, &obj, NULL) ==
		    t[i].want);
		TROW(t[i].line, (obj != NULL) == (t[i].want == GH_JOSE_OK));
		json_object_put(obj);
		gh_jws_free(jws);
	}
	gh_buf_free(&b);
}

/* Bounds: the caller's, ours, and the protected header's and signature's. */
static void
test_huge(void)
{
	struct gh_buf	 b, hdr;
	struct gh_jws	*jws = NULL;
	char		*big;
	size_t		 n;

	gh_buf_init(&b, 0);
	gh_buf_init(&hdr, 0);
	mkjws(&b, "{\"alg\":\"ES256\"," GOOD_KID "," GOOD_NONCE ","
	    GOOD_URL "}", "{}", "AAAA");
	CU_ASSERT_EQUAL(gh_jws_parse(b.data, b.len, b.len, &jws, NULL),
	    GH_JOSE_OK);
	gh_jws_free(jws);
	jws = NULL;
	CU_ASSERT_EQUAL(gh_jws_parse(b.data, b.len, b.len - 1, &jws, NULL),
	    GH_JOSE_ETOOBIG);
	CU_ASSERT_PTR_NULL(jws);

	/* A payload past GH_JOSE_JWS_MAX, with a max above it. */
	n = GH_JOSE_JWS_MAX;
	CU_ASSERT_PTR_NOT_NULL_FATAL(big = malloc(n + 1));
	memset(big, ' ', n);
	memcpy(big, "{\"a\":1", 6);
	big[n - 1] = '}';
	big[n] = '\0';
	mkjws(&b, "{\"alg\":\"ES256\"," GOOD_KID "," GOOD_NONCE ","
	    GOOD_URL "}", big, "AAAA");
	CU_ASSERT_EQUAL(gh_jws_parse(b.data, b.len, (size_t)-1, &jws, NULL),
	    GH_JOSE_ETOOBIG);
	CU_ASSERT_PTR_NULL(jws);
	free(big);

	/* A protected header past GH_JOSE_HEADER_MAX. */
	CU_ASSERT_FATAL(gh_buf_puts(&hdr, "{\"alg\":\"ES256\"," GOOD_KID ","
	    GOOD_NONCE "," GOOD_URL ",\"x\":\"") == GH_OK);
	while (hdr.len < GH_JOSE_HEADER_MAX)
		CU_ASSERT_FATAL(gh_buf_puts(&hdr, "xxxxxxxxxxxxxxxx") == GH_OK);
	CU_ASSERT_FATAL(gh_buf_puts(&hdr, "\"}") == GH_OK);
	mkjws(&b, hdr.data, "{}", "AAAA");
	CU_ASSERT_EQUAL(gh_jws_parse(b.data, b.len, 0, &jws, NULL),
	    GH_JOSE_ETOOBIG);

	/* A signature past GH_JOSE_SIG_MAX. */
	gh_buf_reset(&hdr);
	while (hdr.len <= 4 * GH_JOSE_SIG_MAX / 3 + 4)
		CU_ASSERT_FATAL(gh_buf_puts(&hdr, "AAAA") == GH_OK);
	mkjws(&b, "{\"alg\":\"ES256\"," GOOD_KID "," GOOD_NONCE ","
	    GOOD_URL "}", "{}", hdr.data);
	CU_ASSERT_EQUAL(gh_jws_parse(b.data, b.len, 0, &jws, NULL),
	    GH_JOSE_ETOOBIG);
	/* Deep nesting in the header: lib/json.c's depth limit. */
	gh_buf_reset(&hdr);
	CU_ASSERT_FATAL(gh_buf_puts(&hdr, "{\"alg\":\"ES256\"," GOOD_KID ","
	    GOOD_NONCE "," GOOD_URL ",\"x\":") == GH_OK);
	for (n = 0; n < 100; n++)
		CU_ASSERT_FATAL(gh_buf_puts(&hdr, "[") == GH_OK);
	for (n = 0; n < 100; n++)
		CU_ASSERT_FATAL(gh_buf_puts(&hdr, "]") == GH_OK);
	CU_ASSERT_FATAL(gh_buf_puts(&hdr, "}") == GH_OK);
	mkjws(&b, hdr.data, "{}", "AAAA");
	CU_ASSERT_EQUAL(gh_jws_parse(b.data, b.len, 0, &jws, NULL),
	    GH_JOSE_EMALFORMED);
	CU_ASSERT_PTR_NULL(jws);
	gh_buf_free(&b);
	gh_buf_free(&hdr);
}

/* Every outcome has words and an RFC 8555 type; every alg a name. */
static void
test_names(void)
{
	size_t	 i;

	for (i = 0; i < GH_JOSE_ERR__MAX; i++) {
		CU_ASSERT_PTR_NOT_NULL(gh_jose_strerror((enum gh_jose_err)i));
		CU_ASSERT((gh_jose_acme_type((enum gh_jose_err)i) == NULL) ==
		    (i == GH_JOSE_OK));
	}
	CU_ASSERT_STRING_EQUAL(gh_jose_acme_type(GH_JOSE_EBADALG),
	    "badSignatureAlgorithm");
	CU_ASSERT_STRING_EQUAL(gh_jose_acme_type(GH_JOSE_EBADKEY),
	    "badPublicKey");
	CU_ASSERT_STRING_EQUAL(gh_jose_acme_type(GH_JOSE_EBADNONCE),
	    "badNonce");
	CU_ASSERT_STRING_EQUAL(gh_jose_acme_type(GH_JOSE_EMALFORMED),
	    "malformed");
	CU_ASSERT_STRING_EQUAL(gh_jose_strerror(GH_JOSE_ERR__MAX),
	    "unknown error");
	for (i = 0; i < GH_JOSE_ALG__MAX; i++)
		CU_ASSERT(strlen(gh_jose_alg_name((enum gh_jose_alg)i)) == 5);
	gh_jws_free(NULL);
}

static const struct tcase tests[] = {
	TCASE(test_b64_strict),
	TCASE(test_rfc7638_thumbprint),
	TCASE(test_rfc_signatures),
	TCASE(test_rfc_hs256),
	TCASE(test_python_vectors),
	TCASE(test_eab),
	TCASE(test_eab_header),
	TCASE(test_keychange),
	TCASE(test_keychange_header),
	TCASE(test_runtime_keys),
	TCASE(test_key_policy),
	TCASE(test_jwk_refused),
	TCASE(test_jwk_huge),
	TCASE(test_header_refused),
	TCASE(test_envelope_refused),
	TCASE(test_payload),
	TCASE(test_huge),
	TCASE(test_names),
};

TMAIN("jose", tests)
