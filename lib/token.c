/* SPDX-License-Identifier: ISC */
#include "token.h"
