/* SPDX-License-Identifier: ISC */
#include "gatectl.h"
int main(void) { return 0; }
