/* SPDX-License-Identifier: ISC */
/*
 * ascii: character classes and case folding of ASCII alone.  The parsers
 * of outside input use these, never <ctype.h>, whose answers follow the
 * locale (in a Turkish one "I" does not fold to "i") and whose arguments
 * must not be a negative char.
 */
#ifndef GH_ASCII_H
#define GH_ASCII_H

#include <stddef.h>

static inline int
gh_ascii_isdigit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static inline int
gh_ascii_isalpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline int
gh_ascii_isxdigit(unsigned char c)
{
	return gh_ascii_isdigit(c) || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

static inline char
gh_ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* 1 when the n bytes at a and b are equal but for ASCII case. */
int	gh_ascii_caseeq(const char *a, const char *b, size_t n);

#endif
