#ifndef PARLEY_CSndfile_SHIM_H
#define PARLEY_CSndfile_SHIM_H
#include <sndfile.h>
#endif
