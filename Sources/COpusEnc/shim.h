#ifndef PARLEY_COpusEnc_SHIM_H
#define PARLEY_COpusEnc_SHIM_H
#include <opus/opusenc.h>
#endif
