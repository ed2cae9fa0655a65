#!/usr/bin/env bash
# Studio frame time with a large store under write load. The studio has no frame-time output, so
# this times whole `multipos studio --screenshot ... --frames N` runs under xvfb-run and derives
# the per-frame time from the difference: (T(N) - T(N/3)) / (2N/3), which cancels start-up (Xvfb,
# window, font, first poll of every stored row). Mean per frame only: no p99 (no per-frame times).
# Two columns: store idle (no writers) and 4 stand-in trainers appending points (the load).
#
# Usage: tests/bench/bench_studio_frames.sh [BUILD_DIR=build] [frames=300] [repeats=3]
# Needs xvfb-run (Debian: xvfb, xauth). Writers are bounded (they stop themselves after 600 s)
# and are stopped by pid as soon as the measurement ends.
set -euo pipefail
build=${1:-build}
frames=${2:-300}
repeats=${3:-3}
short=$((frames / 3))
load=$build/tests/bench/bench_studio_load
studio=$build/app/multipos
command -v xvfb-run > /dev/null || { echo "xvfb-run not found (apt-get install xvfb xauth)"; exit 1; }
work=$(mktemp -d /tmp/multipos-bench-studio.XXXXXX)
db=$work/runs.sqlite
writers=()
cleanup() {
  for pid in "${writers[@]}"; do kill "$pid" 2> /dev/null || true; done
  for pid in "${writers[@]}"; do wait "$pid" 2> /dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

"$load" populate "$db" 20 100000

# Wall seconds of one studio run of $1 frames.
studio_seconds() {
  local start end
  start=$(date +%s.%N)
  xvfb-run -a -s "-screen 0 1600x1000x24" "$studio" studio --db "$db" --width 1400 --height 900 \
    --screenshot "$work/shot.png" --frames "$1" > /dev/null
  end=$(date +%s.%N)
  echo "$end - $start" | bc -l
}

# Median per-frame ms over $repeats pairs of runs (short, long alternating).
per_frame_ms() {
  local values=()
  for ((i = 0; i < repeats; ++i)); do
    local t_short t_long
    t_short=$(studio_seconds "$short")
    t_long=$(studio_seconds "$frames")
    values+=("$(echo "1000 * ($t_long - $t_short) / ($frames - $short)" | bc -l)")
    printf '  %s: %d frames %.2f s, %d frames %.2f s -> %.2f ms/frame\n' "$2" "$short" "$t_short" "$frames" "$t_long" \
      "${values[-1]}" >&2
  done
  printf '%s\n' "${values[@]}" | sort -g | awk '{a[NR] = $1} END {printf "%.2f", a[int((NR + 1) / 2)]}'
}

idle=$(per_frame_ms idle idle)
for run in 17 18 19 20; do  # the newest runs: #20 is the one the studio selects and plots
  "$load" write "$db" "$run" 600 50 100 > "$work/writer$run.log" &
  writers+=($!)
done
sleep 2
loaded=$(per_frame_ms loaded "4 writers")
for pid in "${writers[@]}"; do kill "$pid" 2> /dev/null || true; done
for pid in "${writers[@]}"; do wait "$pid" 2> /dev/null || true; done
writers=()
cat "$work"/writer*.log

echo "studio frame time, 20 runs x 100k points, ${frames} vs ${short} frames, median of ${repeats} pairs (mean per frame; p99 not available)"
printf '%-40s %10s\n' "store" "ms/frame"
printf '%-40s %10s\n' "idle (no writers)" "$idle"
printf '%-40s %10s\n' "4 writers x 50 points / 100 ms" "$loaded"
printf '%-40s %10.2f\n' "ratio loaded / idle" "$(echo "$loaded / $idle" | bc -l)"
