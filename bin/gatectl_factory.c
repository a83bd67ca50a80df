/* SPDX-License-Identifier: ISC */
#include "gatectl.h"
