#!/usr/bin/env bash
# Builds parley's fuzzers with libFuzzer and AddressSanitizer, and runs them one after another.
#
#   FuzzTesting/run.sh [TARGET...] [--seconds N] [--runs N] [--build-only] [--write-seeds] [--jobs N]
#
# TARGET is a fuzzer name (LengthPrefixFuzzer ...) or its short form (LengthPrefix); none means
# all of them. Each runs for N seconds (default 30) or N inputs, whichever ends first when both are
# given, starting from its seed corpus
# (Corpus/TARGET) and the inputs that once broke it (Regressions/TARGET); what it learns is kept in
# .build/fuzz-corpus/TARGET for the next run, crashes go to .build/fuzz-crashes/TARGET/. At the end
# a line per target: executions, executions per second, crashes. Exit status 1 if any crashed.
# --write-seeds rewrites Corpus/TARGET from the seeds the targets define (after an encoding change).
set -euo pipefail

cd "$(dirname "$0")"
ALL=(LengthPrefixFuzzer FrameCodecFuzzer HandshakePayloadFuzzer DiscoveryPacketFuzzer RelayCodecFuzzer
    OfflineSealFuzzer SessionMachineFuzzer DiscoveryMachineFuzzer CallMachineFuzzer RelayLinkMachineFuzzer
    RelayCoreFuzzer)

targets=()
limit=()
build_only=0
write_seeds=0
jobs=()
while [[ $# -gt 0 ]]; do
    case "$1" in
    --seconds) limit+=(-max_total_time="$2"); shift 2 ;;
    --runs) limit+=(-runs="$2"); shift 2 ;;
    --build-only) build_only=1; shift ;;
    --write-seeds) write_seeds=1; shift ;;
    --jobs) jobs=(--jobs "$2"); shift 2 ;;
    -h | --help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    *)
        name="$1"
        [[ "$name" == *Fuzzer ]] || name="${name}Fuzzer"
        found=0
        for t in "${ALL[@]}"; do [[ "$t" == "$name" ]] && found=1; done
        if [[ $found == 0 ]]; then echo "run.sh: no target $1 (targets: ${ALL[*]})" >&2; exit 2; fi
        targets+=("$name"); shift ;;
    esac
done
[[ ${#targets[@]} -gt 0 ]] || targets=("${ALL[@]}")
[[ ${#limit[@]} -gt 0 ]] || limit=(-max_total_time=30)

# Every module (parley's and its dependencies' Swift code) is built with coverage for libFuzzer and
# with AddressSanitizer; -parse-as-library because each fuzzer's main.swift has no top-level code
# (libFuzzer provides main).
# Linked with lld: gold (the default here) stops with an internal error on the sanitizer
# coverage sections. The toolset naming it is written with the toolchain's absolute path.
mkdir -p .build
lld="$(dirname "$(readlink -f "$(command -v swift)")")/ld.lld"
[[ -x "$lld" ]] || lld="$(command -v ld.lld || true)"
if [[ -z "$lld" ]]; then echo "run.sh: ld.lld not found (it comes with the Swift toolchain)" >&2; exit 2; fi
printf '{ "schemaVersion": "1.0", "linker": { "path": "%s" } }\n' "$lld" >.build/lld-toolset.json
build=(swift build -c release --toolset .build/lld-toolset.json -Xswiftc -sanitize=fuzzer,address
    -Xswiftc -parse-as-library)
echo "== building (release, -sanitize=fuzzer,address, lld)"
"${build[@]}" "${jobs[@]}"
[[ $build_only == 1 ]] && exit 0

bin="$("${build[@]}" --show-bin-path)"
if [[ $write_seeds == 1 ]]; then
    for t in "${targets[@]}"; do
        rm -rf "Corpus/$t" && mkdir -p "Corpus/$t"
        FUZZ_WRITE_SEEDS="Corpus/$t" "$bin/$t"
        echo "Corpus/$t: $(ls "Corpus/$t" | wc -l) seeds"
    done
    exit 0
fi
# A trap is reported by libFuzzer alone: Swift's own backtracer, reading the crashed process's
# memory, trips AddressSanitizer and buries the message.
export SWIFT_BACKTRACE=enable=no
# AddressSanitizer records a stack for every allocation, 30 frames deep by default: a tenth of a
# structured target's time. Two frames still name the allocating function; a crash input replayed
# by hand (or in the suite's FuzzReplayTests) gives the whole story.
# detect_leaks=0: LeakSanitizer's check at exit reports the targets' module-lifetime caches too
# (see -detect_leaks below), which would turn every run that reaches its end into exit 1.
export ASAN_OPTIONS="${ASAN_OPTIONS:-malloc_context_size=2:detect_leaks=0}"
summary=()
failed=0
for t in "${targets[@]}"; do
    work=".build/fuzz-corpus/$t"
    crashes=".build/fuzz-crashes/$t/"
    rm -rf "$crashes"
    mkdir -p "$work" "$crashes" "Regressions/$t"
    log=".build/fuzz-logs/$t.log"
    mkdir -p "$(dirname "$log")"
    echo "== $t (${limit[*]})"
    status=0
    # Decoders of up to 17 KiB messages get inputs that large; the rest stay at libFuzzer's default.
    max_len=()
    case "$t" in FrameCodecFuzzer | RelayCodecFuzzer | OfflineSealFuzzer) max_len=(-max_len=18000) ;; esac
    # -detect_leaks=0: LeakSanitizer calls the targets' module-lifetime caches (sample messages
    # built once) leaked, because Swift keeps the payload pointers of multi-payload enums with
    # tag bits set, where the leak scanner does not recognise them; the first input that fills a
    # cache would be reported as a crash. AddressSanitizer's memory errors are still caught.
    "$bin/$t" "$work" "Corpus/$t" "Regressions/$t" "${limit[@]}" "${max_len[@]}" -print_final_stats=1 \
        -artifact_prefix="$crashes" -rss_limit_mb=2048 -detect_leaks=0 >"$log" 2>&1 || status=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    found=$(find "$crashes" -type f | wc -l)
    if [[ $status != 0 ]]; then
        failed=1
        grep -E "ERROR|invariant broken|Fatal error|SUMMARY" "$log" | head -5 || true
        echo "   crash input in $crashes (replay: $bin/$t FILE; keep it in Regressions/$t once fixed)"
    fi
    summary+=("$(printf '%-24s %12s runs %10s exec/s   exit %s   crash files %s' "$t" "${runs:-?}" "${speed:-?}" "$status" "$found")")
done
echo "== summary (logs in .build/fuzz-logs/)"
printf '%s\n' "${summary[@]}"
exit $failed
