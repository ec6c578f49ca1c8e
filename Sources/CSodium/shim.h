#ifndef PARLEY_CSODIUM_SHIM_H
#define PARLEY_CSODIUM_SHIM_H
// libsodium, for one primitive only: the IETF ChaCha20-Poly1305 AEAD (RFC 8439) that Noise's
// ChaChaPoly cipher is. Only Noise imports it.
#include <sodium/core.h>
#include <sodium/crypto_aead_chacha20poly1305.h>
#endif
