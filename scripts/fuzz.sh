#!/usr/bin/env bash
# `make fuzz` (issue 17): each cargo-fuzz target of fuzz/ for FUZZ_SECONDS,
# one at a time in one process, then a table of executions per second.
#   FUZZ_SECONDS  seconds per target (default 60)
#   FUZZ_TARGETS  comma-separated targets (default: every one of fuzz/fuzz_targets)
#   FUZZ_SANITIZER  none (default: the targets are safe Rust; faster runs and
#                 builds) or address (ASan, for the unsafe code of decoders)
#   FUZZ_RSS_MB   libFuzzer's memory limit (default 2048)
# Seeds are read from fuzz/corpus/<target>; the units the fuzzer adds go to
# target/fuzz/corpus/<target> (kept between runs, not committed). A crash
# leaves its input in fuzz/artifacts/<target>/ and fails the run: fix the
# parser, then copy the input to fuzz/regressions/<target>/ so the replay
# test (`make test`) keeps it.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-60}
sanitizer=${FUZZ_SANITIZER:-none}
rss=${FUZZ_RSS_MB:-2048}
out=target/fuzz
nice=(nice -n 19)

if ! rustup toolchain list | grep -q '^nightly'; then
  echo "make fuzz: needs the nightly toolchain (rustup toolchain install nightly)" >&2
  exit 1
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  "${nice[@]}" cargo install cargo-fuzz --locked
fi

if [ -n "${FUZZ_TARGETS:-}" ]; then
  IFS=, read -r -a targets <<<"$FUZZ_TARGETS"
else
  mapfile -t targets < <(ls fuzz/fuzz_targets | sed 's/\.rs$//')
fi
for t in "${targets[@]}"; do
  [ -f "fuzz/fuzz_targets/$t.rs" ] || { echo "make fuzz: no target $t (fuzz/fuzz_targets)" >&2; exit 1; }
done

flags=(-O -s "$sanitizer" --codegen-units 16 --target-dir "$out")
# Every target at once: they share all but their last link.
"${nice[@]}" cargo +nightly fuzz build "${flags[@]}"
mkdir -p "$out/logs"
failed=()
rows=()
for t in "${targets[@]}"; do
  mkdir -p "$out/corpus/$t" "fuzz/artifacts/$t"
  log="$out/logs/$t.log"
  echo "make fuzz: $t for $seconds s (log: $log)"
  if "${nice[@]}" cargo +nightly fuzz run "${flags[@]}" "$t" "$out/corpus/$t" "fuzz/corpus/$t" -- \
      -max_total_time="$seconds" -rss_limit_mb="$rss" -timeout=30 -print_final_stats=1 >"$log" 2>&1; then
    result=ok
  else
    result="FAILED (fuzz/artifacts/$t/)"
    failed+=("$t")
  fi
  # libFuzzer's last status line: `#N DONE cov: C ft: F corp: U/S exec/s: E rss: R`,
  # and its final stats.
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
  eps=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
  if [ -z "$eps" ]; then
    eps=$(grep -o 'exec/s: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
  fi
  corp=$(grep -o 'corp: [0-9]*/[0-9]*[a-zA-Z]*' "$log" | tail -1 | sed 's/corp: //' || true)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
  rows+=("$(printf '%-14s %7s %12s %9s %8s %12s  %s' "$t" "$seconds" "${runs:--}" "${eps:--}" "${cov:--}" "${corp:--}" "$result")")
done
echo
printf '%-14s %7s %12s %9s %8s %12s  %s\n' target seconds runs exec/s cov corpus result
for r in "${rows[@]}"; do echo "$r"; done
if [ ${#failed[@]} -gt 0 ]; then
  echo "make fuzz: FAILED: ${failed[*]}" >&2
  exit 1
fi
