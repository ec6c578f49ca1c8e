#ifndef PARLEY_CALSA_SHIM_H
#define PARLEY_CALSA_SHIM_H
#include <alsa/asoundlib.h>

// ALSA prints its errors to stderr through a variadic handler, which Swift cannot write.
// parley reports the error codes itself, so it installs this handler that prints nothing.
static void parley_alsa_quiet_handler(const char *file, int line, const char *function, int err,
                                      const char *fmt, ...) {
    (void)file; (void)line; (void)function; (void)err; (void)fmt;
}
static inline void parley_alsa_silence_errors(void) {
    snd_lib_error_set_handler(parley_alsa_quiet_handler);
}
#endif
