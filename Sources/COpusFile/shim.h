#ifndef PARLEY_COpusFile_SHIM_H
#define PARLEY_COpusFile_SHIM_H
#include <opus/opusfile.h>
#endif
