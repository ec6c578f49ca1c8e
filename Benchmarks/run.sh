#!/usr/bin/env bash
# Builds every benchmark target in release mode, runs them with package-benchmark, prints the
# results, a summary checked against the targets and, with --compare, the regressions against a
# saved baseline. See README.md, "Running".
#
#   ./run.sh                   run everything; the results are kept as the baseline "latest"
#   ./run.sh --save NAME       run and keep the results as baseline NAME instead
#   ./run.sh --compare NAME    run, then compare with baseline NAME and flag regressions
#   ./run.sh --one-cpu         run every benchmark pinned to CPU 0 (taskset); see README.md
#   ./run.sh --target NAME     run only this target (e.g. Session or SessionBenchmarks); repeatable
#   ./run.sh --compare-only A B   no run: compare the saved baseline B with the saved baseline A
#
# The targets are found, not listed: every directory Benchmarks/<Name>/ is the target
# <Name>Benchmarks. A target whose sources contain the line "// benchmark-requires: root" is
# skipped, with that reason printed, when not run as root.
# Exit status: 0 when every target is met and nothing regressed, 1 when a target is missed or
# cannot be judged, 2 on usage or run errors, 3 when --compare flagged a regression.
set -euo pipefail

cd "$(dirname "$0")"

usage() {
    sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'
}

save=""
compare=""
compare_only=()
pin=()
only=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --save)
            [[ $# -ge 2 && -n "$2" ]] || { echo "run.sh: --save needs a baseline name" >&2; exit 2; }
            save="$2"; shift 2 ;;
        --compare)
            [[ $# -ge 2 && -n "$2" ]] || { echo "run.sh: --compare needs a baseline name" >&2; exit 2; }
            compare="$2"; shift 2 ;;
        --compare-only)
            [[ $# -ge 3 ]] || { echo "run.sh: --compare-only needs two baseline names" >&2; exit 2; }
            compare_only=("$2" "$3"); shift 3 ;;
        --one-cpu)
            command -v taskset >/dev/null || { echo "run.sh: --one-cpu needs taskset (util-linux)" >&2; exit 2; }
            pin=(taskset -c 0); shift ;;
        --target)
            [[ $# -ge 2 && -n "$2" ]] || { echo "run.sh: --target needs a name" >&2; exit 2; }
            only+=("${2%Benchmarks}"); shift 2 ;;
        -h|--help)
            usage; exit 0 ;;
        *)
            echo "run.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
    esac
done

run_name="${save:-latest}"
if [[ -n "$compare" && "$compare" == "$run_name" ]]; then
    echo "run.sh: --compare $compare would compare the run with itself; pick another --save name" >&2
    exit 2
fi

# The benchmark plugin and the tool it drives.
bench=(swift package --allow-writing-to-package-directory benchmark)

# Every Benchmarks/<Name>/ directory is a target; the ones that cannot run here are skipped.
targets=()
for dir in Benchmarks/*/; do
    name="$(basename "$dir")"
    target="${name}Benchmarks"
    if [[ ${#only[@]} -gt 0 && ! " ${only[*]} " =~ " ${name} " ]]; then continue; fi
    if ! grep -q "name: \"$target\"" Package.swift; then
        echo "SKIP: $target: Benchmarks/$name/ has no target \"$target\" in Package.swift"
        continue
    fi
    if grep -rqs '^// benchmark-requires: root' "$dir" && [[ $(id -u) -ne 0 ]]; then
        echo "SKIP: $target: needs root ($(grep -rhs -A1 '^// benchmark-requires: root' "$dir" | sed -n 2p | sed 's,^// *,,'))"
        continue
    fi
    targets+=("$target")
done

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# Reads baseline $1 of every target into directory $2, one markdown file per target.
read_baseline() {
    mkdir -p "$2"
    for target in "${targets[@]}"; do
        if [[ -d ".benchmarkBaselines/$target/$1" ]]; then
            "${bench[@]}" baseline read "$1" --target "$target" --format markdown --path stdout \
                > "$2/$target.md" 2>/dev/null
        fi
    done
}

if [[ ${#compare_only[@]} -gt 0 ]]; then
    read_baseline "${compare_only[1]}" "$tmp/run"
    read_baseline "${compare_only[0]}" "$tmp/base"
    python3 summary.py "$tmp/run" "$tmp/base"
    exit $?
fi

[[ ${#targets[@]} -gt 0 ]] || { echo "run.sh: no benchmark target to run" >&2; exit 2; }

echo "== Building ${targets[*]} (release); the first build takes several minutes =="
for target in "${targets[@]}"; do
    swift build -c release --product "$target"
done

failed=()
for target in "${targets[@]}"; do
    echo
    echo "== $target: running${pin:+ on CPU 0 only}; results saved as baseline '$run_name' =="
    # Other work on the machine moves these figures a lot; say how busy it was.
    echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
    # `baseline update` runs every benchmark of the target (each in its own process) and stores
    # the results under .benchmarkBaselines/$target/$run_name/. With --one-cpu the plugin and
    # every benchmark process it starts inherit the affinity.
    if ! "${pin[@]}" "${bench[@]}" baseline update "$run_name" --target "$target" --no-progress; then
        echo "run.sh: $target failed" >&2
        failed+=("$target")
    fi
    echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
done

echo
read_baseline "$run_name" "$tmp/run"
for target in "${targets[@]}"; do
    [[ -f "$tmp/run/$target.md" ]] && sed -n '/^## /,$p' "$tmp/run/$target.md"
done

status=0
echo
if [[ -n "$compare" ]]; then
    read_baseline "$compare" "$tmp/base"
    python3 summary.py "$tmp/run" "$tmp/base" || status=$?
else
    python3 summary.py "$tmp/run" || status=$?
fi
if [[ ${#failed[@]} -gt 0 ]]; then
    echo "run.sh: these targets did not complete: ${failed[*]}" >&2
    [[ $status -eq 3 ]] || status=2
fi
exit $status
