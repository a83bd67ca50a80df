/* SPDX-License-Identifier: ISC */
#ifndef GATECTL_H
#define GATECTL_H
#endif
