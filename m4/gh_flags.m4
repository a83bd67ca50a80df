# SPDX-License-Identifier: ISC
# GH_CHECK_CFLAG(FLAG, ACTION-IF-OK): does the C compiler accept FLAG (with -Werror)?
AC_DEFUN([GH_CHECK_CFLAG], [
	AC_MSG_CHECKING([whether $CC accepts $1])
	gh_save_CFLAGS=$CFLAGS
	CFLAGS="$CFLAGS -Werror $1"
	AC_COMPILE_IFELSE([AC_LANG_PROGRAM([], [])],
		[AC_MSG_RESULT([yes]); $2], [AC_MSG_RESULT([no])])
	CFLAGS=$gh_save_CFLAGS
])
# GH_CHECK_LDFLAG(FLAG, ACTION-IF-OK): does the linker accept FLAG?
AC_DEFUN([GH_CHECK_LDFLAG], [
	AC_MSG_CHECKING([whether the linker accepts $1])
	gh_save_LDFLAGS=$LDFLAGS
	LDFLAGS="$LDFLAGS $1"
	AC_LINK_IFELSE([AC_LANG_PROGRAM([], [])],
		[AC_MSG_RESULT([yes]); $2], [AC_MSG_RESULT([no])])
	LDFLAGS=$gh_save_LDFLAGS
])
