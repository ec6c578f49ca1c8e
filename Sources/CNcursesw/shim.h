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
#include <langinfo.h>
#include <wchar.h>
#include <ncursesw/curses.h>

// Swift imports neither function-like macros nor C globals it can use safely under strict
// concurrency, so the few the adapter needs are wrapped here.
static inline attr_t parley_attr_bold(void) { return A_BOLD; }
static inline attr_t parley_attr_dim(void) { return A_DIM; }
static inline attr_t parley_attr_underline(void) { return A_UNDERLINE; }
static inline attr_t parley_attr_reverse(void) { return A_REVERSE; }
static inline attr_t parley_attr_normal(void) { return A_NORMAL; }
static inline WINDOW *parley_stdscr(void) { return stdscr; }
static inline int parley_key_f0(void) { return KEY_F0; }
// Mouse (`--mouse`): button 1 clicks and the wheel (buttons 4 and 5), no motion; the masks are
// function-like macros.
static inline void parley_mouse(int on) {
    mousemask(on ? (BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON4_PRESSED | BUTTON5_PRESSED) : 0, NULL);
    mouseinterval(0);
}
static inline int parley_key_mouse(void) { return KEY_MOUSE; }
// The pending mouse event: 1 a click, 2 the wheel up, 3 the wheel down, 0 anything else.
static inline int parley_mouse_event(int *row, int *column) {
    MEVENT event;
    if (getmouse(&event) != OK) return 0;
    *row = event.y;
    *column = event.x;
    if (event.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED)) return 1;
    if (event.bstate & BUTTON4_PRESSED) return 2;
    if (event.bstate & BUTTON5_PRESSED) return 3;
    return 0;
}
// The C library's column count for a character (declared by <wchar.h> only under X/Open,
// which Swift's Glibc module is not built with); curses measures with it.
extern int wcwidth(wchar_t);
static inline int parley_wcwidth(unsigned int c) { return wcwidth((wchar_t)c); }
#endif
