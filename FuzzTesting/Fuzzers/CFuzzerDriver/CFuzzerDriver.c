// Declarations only (include/CFuzzerDriver.h); SwiftPM wants one source file per C target.
