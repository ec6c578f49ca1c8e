#ifndef PARLEY_C_FUZZER_DRIVER_H
#define PARLEY_C_FUZZER_DRIVER_H

#include <stddef.h>
#include <stdint.h>

// libFuzzer's entry for programs that have their own main (the fuzzers are SwiftPM executables,
// whose main SwiftPM names itself): parses libFuzzer's flags from argv and runs `callback` on
// every input. Provided by the fuzzer runtime that -sanitize=fuzzer links.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
