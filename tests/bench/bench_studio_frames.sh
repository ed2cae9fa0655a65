#!/usr/bin/env bash
# Studio frame time with a large store under write load: `multipos studio --frame-log FILE` writes
# every frame's wall and CPU milliseconds (the studio's own work and the draw submission, not the
# wait for input or vsync) and the whole frame period (present/swap included: with software GL
# that is where rasterizing happens); this script reports median, p99 and max after a warm-up
# (the first frames merge the initial read of every stored row), and the warm-up's worst frame.
# Two columns: store idle (no writers) and 4 stand-in trainers appending points (the load).
#
# Usage: tests/bench/bench_studio_frames.sh [BUILD_DIR=build] [frames=600] [repeats=3] [warmup=60]
# Needs xvfb-run (Debian: xvfb, xauth). Writers are bounded (they stop themselves after 600 s)
# and are stopped by pid as soon as the measurement ends.
set -euo pipefail
build=${1:-build}
frames=${2:-600}
repeats=${3:-3}
warmup=${4:-60}
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

# Runs the studio $repeats times for $frames frames; appends the frame logs to $work/$1.frames.
record() {
  : > "$work/$1.frames"
  : > "$work/$1.warmup"
  for ((i = 0; i < repeats; ++i)); do
    xvfb-run -a -s "-screen 0 1600x1000x24" "$studio" studio --db "$db" --width 1400 --height 900 \
      --frames "$frames" --frame-log "$work/log.txt" > /dev/null
    awk -v w="$warmup" 'NR > 1 && $1 > w {print $2, $3, $4}' "$work/log.txt" >> "$work/$1.frames"
    awk -v w="$warmup" 'NR > 1 && $1 <= w {print $2}' "$work/log.txt" >> "$work/$1.warmup"
  done
}

# "median p99 max" of column $2 of file $1.
stats() {
  sort -g -k"$2","$2" "$1" | awk -v c="$2" '{v[NR] = $c} END {
    p99 = int(NR * 0.99 + 0.999); if (p99 < 1) p99 = 1
    printf "%.2f %.2f %.2f", v[int((NR + 1) / 2)], v[p99], v[NR]}'
}

record idle
for run in 17 18 19 20; do  # the newest runs: #20 is the one the studio selects and plots
  "$load" write "$db" "$run" 600 50 100 > "$work/writer$run.log" &
  writers+=($!)
done
sleep 2
record loaded
for pid in "${writers[@]}"; do kill "$pid" 2> /dev/null || true; done
for pid in "${writers[@]}"; do wait "$pid" 2> /dev/null || true; done
writers=()
cat "$work"/writer*.log

n_idle=$(wc -l < "$work/idle.frames")
n_loaded=$(wc -l < "$work/loaded.frames")
echo "studio frame time, 20 runs x 100k points, ${repeats} x ${frames} frames, first ${warmup} of each run left out"
printf '%-34s %8s %8s %8s %8s %8s %8s %10s %8s %14s\n' "store" "wall med" "p99" "max" "cpu med" "p99" "max" "period med" "p99" "warm-up max"
read -r im ip ix <<< "$(stats "$work/idle.frames" 1)"
read -r ic iq iy <<< "$(stats "$work/idle.frames" 2)"
read -r lm lp lx <<< "$(stats "$work/loaded.frames" 1)"
read -r lc lq ly <<< "$(stats "$work/loaded.frames" 2)"
read -r ipm ipp _ <<< "$(stats "$work/idle.frames" 3)"
read -r lpm lpp _ <<< "$(stats "$work/loaded.frames" 3)"
iw=$(sort -g "$work/idle.warmup" | tail -1)
lw=$(sort -g "$work/loaded.warmup" | tail -1)
printf '%-34s %8s %8s %8s %8s %8s %8s %10s %8s %14s\n' "idle ($n_idle frames)" "$im" "$ip" "$ix" "$ic" "$iq" "$iy" "$ipm" "$ipp" "$iw"
printf '%-34s %8s %8s %8s %8s %8s %8s %10s %8s %14s\n' "4 writers x 50 pts/100 ms ($n_loaded)" "$lm" "$lp" "$lx" "$lc" "$lq" "$ly" "$lpm" "$lpp" "$lw"
