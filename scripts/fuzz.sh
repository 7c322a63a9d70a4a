#!/usr/bin/env bash
# Build the libFuzzer harnesses of Fuzz/ (Swift, -sanitize=fuzzer,address) and run each one:
# first every committed input of Fuzz/corpus/NAME/ once (seeds and regression inputs), then
# fuzzing for SECONDS, starting from that corpus. Prints executions, exec/s, coverage and peak
# RSS per harness; fails if any input crashes, trips AddressSanitizer, times out or runs out of
# memory (the input is then in .build-fuzz/work/NAME/).
#
#   scripts/fuzz.sh [--seconds N] [--build-only] [NAME...]
#
# NAME: fastcgi, batch, json, multipart (default: all). --seconds defaults to $FUZZ_SECONDS,
# else 60. The harnesses are SwiftPM targets declared only when PORTAL_FUZZ=1 (see
# Package.swift), built in release mode (with -enable-testing for @testable imports) into their
# own scratch directory, .build-fuzz, so the normal build never sees them.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ALL_HARNESSES=(fastcgi batch json multipart)
SCRATCH=$REPO_ROOT/.build-fuzz
WORK=$SCRATCH/work
# Per-input limits: a slower input is a hang, a bigger footprint a memory bug.
TIMEOUT_SECONDS=10
RSS_LIMIT_MB=2048

# Longest input libFuzzer generates, per harness (FastCGI records reach 64 KiB).
max_len() {
    case $1 in
        fastcgi) echo 70000 ;;
        batch | multipart) echo 16384 ;;
        json) echo 8192 ;;
    esac
}

seconds=${FUZZ_SECONDS:-60}
build_only=0
harnesses=()
while (($#)); do
    case $1 in
        --seconds) seconds=${2:?--seconds needs a value}; shift ;;
        --build-only) build_only=1 ;;
        -h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
        -*) die "unknown option: $1 (see the header of $0)" ;;
        *) [[ " ${ALL_HARNESSES[*]} " == *" $1 "* ]] || die "unknown harness: $1 (one of: ${ALL_HARNESSES[*]})"
           harnesses+=("$1") ;;
    esac
    shift
done
((${#harnesses[@]})) || harnesses=("${ALL_HARNESSES[@]}")
[[ $seconds =~ ^[0-9]+$ ]] || die "--seconds must be a whole number of seconds"

cd "$REPO_ROOT"
# A Swift trap is then a plain SIGILL that libFuzzer reports with its own stack (Swift's
# backtracer would read memory ASan flags as overflows).
export SWIFT_BACKTRACE=enable=no
# --sanitize covers linking and C targets, but SwiftPM hands swiftc one -sanitize= per sanitizer in
# no fixed order, and the last one wins: the trailing -Xswiftc keeps both in every Swift module.
# shellcheck disable=SC2054 # the comma belongs to swiftc's option
build=(env PORTAL_FUZZ=1 swift build -c release --scratch-path "$SCRATCH" --sanitize fuzzer --sanitize address
       -Xswiftc -sanitize=fuzzer,address -Xswiftc -enable-testing)
started=$SECONDS
mkdir -p "$WORK"
for name in "${harnesses[@]}"; do
    log "building fuzz-$name"
    if ! "${build[@]}" --product "fuzz-$name" >"$WORK/build-$name.log" 2>&1; then
        # The gold linker warns once per ASan helper symbol; nothing to act on.
        grep -v "Cannot export local symbol" "$WORK/build-$name.log" | tail -40 >&2
        die "build of fuzz-$name failed (log: $WORK/build-$name.log)"
    fi
done
bin_dir=$("${build[@]}" --show-bin-path)
# Without coverage counters libFuzzer fuzzes blind, without ASan checks it misses overflows: every
# module of ours that was built must have both.
for module in FastCGI Postgres Portal PortalAPI OCSOBatch FuzzSupport "${harnesses[@]/#/fuzz_}"; do
    objects=("$bin_dir/$module.build"/*.o)
    [[ -e ${objects[0]} ]] || continue
    # grep reads everything (no -q): an early exit would fail the pipeline on SIGPIPE.
    readelf -S -W "${objects[@]}" | grep __sancov_cntrs >/dev/null || die "$module has no coverage counters: not built with -sanitize=fuzzer"
    nm -u "${objects[@]}" | grep __asan_report >/dev/null || die "$module has no ASan checks: not built with -sanitize=address"
done
for name in "${harnesses[@]}"; do
    # One byte per counter: the section's size (hex), the fourth column after its name.
    counters=$(readelf -S -W "$bin_dir/fuzz-$name" | awk '{ for (i = 1; i <= NF; i++) if ($i == "__sancov_cntrs") print $(i + 4) }')
    log "fuzz-$name: $((16#${counters:-0})) coverage counters"
done
log "fuzz build: $((SECONDS - started)) s"
((build_only)) && exit 0

# libFuzzer's closing statistics: "stat::NAME: VALUE".
stat() { sed -n "s/^stat::$1: *//p" "$2" | tail -1; }

failed=() summary=()
for name in "${harnesses[@]}"; do
    binary=$bin_dir/fuzz-$name
    seeds=$REPO_ROOT/Fuzz/corpus/$name
    work=$WORK/$name
    mkdir -p "$work/corpus"
    log "fuzz-$name: replaying $(find "$seeds" -type f | wc -l) committed inputs"
    if ! find "$seeds" -type f -print0 | xargs -0 "$binary" -timeout=$TIMEOUT_SECONDS -rss_limit_mb=$RSS_LIMIT_MB \
        -artifact_prefix="$work/" >"$work/replay.log" 2>&1; then
        tail -40 "$work/replay.log" >&2
        failed+=("$name (committed input)")
        continue
    fi
    ((seconds > 0)) || { summary+=("$name: replay only"); continue; }
    log "fuzz-$name: fuzzing for $seconds s"
    # New inputs go to the scratch corpus (first directory), never into Fuzz/corpus.
    if "$binary" -max_total_time="$seconds" -timeout=$TIMEOUT_SECONDS -rss_limit_mb=$RSS_LIMIT_MB \
        -max_len="$(max_len "$name")" -print_final_stats=1 -artifact_prefix="$work/" \
        "$work/corpus" "$seeds" >"$work/fuzz.log" 2>&1; then
        outcome=ok
    else
        outcome=FAILED
        tail -60 "$work/fuzz.log" >&2
        failed+=("$name (see $work/)")
    fi
    coverage=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$work/fuzz.log" | tail -1 || true)
    summary+=("$name: $outcome, $(stat number_of_executed_units "$work/fuzz.log") runs, \
$(stat average_exec_per_sec "$work/fuzz.log") exec/s, ${coverage:-no coverage line}, \
peak RSS $(stat peak_rss_mb "$work/fuzz.log") MB")
done

log "summary ($seconds s per harness):"
for line in "${summary[@]}"; do log "  $line"; done
if ((${#failed[@]})); then
    log "failed: ${failed[*]}"
    log "once fixed, copy the input to Fuzz/corpus/NAME/regression-WHAT so every run replays it"
fi
echo "fuzz: $((${#harnesses[@]} - ${#failed[@]})) passed, ${#failed[@]} failed"
((${#failed[@]} == 0))
