#ifndef PARLEY_CNcursesw_SHIM_H
#define PARLEY_CNcursesw_SHIM_H
// Wide-character curses: the *_wch and wadd_wchstr functions need these before the header.
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#include <locale.h>
#include <wchar.h>
#include <ncursesw/curses.h>
#endif
