#ifndef PARLEY_CSODIUM_SHIM_H
#define PARLEY_CSODIUM_SHIM_H
// libsodium, for three primitives: the IETF ChaCha20-Poly1305 AEAD (RFC 8439) that Noise's
// ChaChaPoly cipher is and the HMAC-SHA256 of Noise's HKDF (imported by Noise), and Ed25519
// signature verification (imported by Identity). Everything else is swift-crypto's.
#include <sodium/core.h>
#include <sodium/utils.h>
#include <sodium/crypto_aead_chacha20poly1305.h>
#include <sodium/crypto_auth_hmacsha256.h>
#include <sodium/crypto_sign_ed25519.h>
#endif
