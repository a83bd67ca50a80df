/* SPDX-License-Identifier: ISC */
#include "crypto.h"
