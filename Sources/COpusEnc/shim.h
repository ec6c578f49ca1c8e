#ifndef PARLEY_COpusEnc_SHIM_H
#define PARLEY_COpusEnc_SHIM_H
#include <opus/opusenc.h>

// ope_encoder_ctl is variadic, which Swift cannot call; these fix its argument types.
static inline int parley_ope_set_int(OggOpusEnc *enc, int request, opus_int32 value) {
    return ope_encoder_ctl(enc, request, value);
}
#endif
