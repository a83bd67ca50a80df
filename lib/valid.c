/* SPDX-License-Identifier: ISC */
#include "valid.h"
