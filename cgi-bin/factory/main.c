/* SPDX-License-Identifier: ISC */
#include "factory.h"
int main(void) { return 0; }
