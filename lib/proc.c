/* SPDX-License-Identifier: ISC */
#include "proc.h"
