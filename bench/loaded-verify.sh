#!/usr/bin/env bash
# The test suite on a loaded machine: `./mvnw -B verify` RUNS times in a row while a load
# generator keeps every core busy (Debian's stress-ng, one CPU worker per core; a shell busy loop
# where stress-ng is missing). Prints each run's result, wall time and test count; exits non-zero
# if any run failed. Tests must assert outcomes, not wall-clock figures, for this to pass.
#
# Usage: bench/loaded-verify.sh [RUNS]   (default 3); extra Maven flags in MVN_FLAGS (e.g. -o)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
OUT=${OUT:-/tmp/imds-prober-loaded-verify}
mkdir -p "$OUT"
CORES=$(nproc)
LOAD_PID=
stop_load() { [ -n "$LOAD_PID" ] && kill -- -"$LOAD_PID" 2>/dev/null || true; }
trap stop_load EXIT
if command -v stress-ng >/dev/null; then
  setsid stress-ng --cpu "$CORES" --cpu-method matrixprod --timeout 0 >/dev/null 2>&1 &
  LOAD="stress-ng --cpu $CORES"
else
  setsid bash -c "for i in \$(seq $CORES); do (while :; do :; done) & done; wait" &
  LOAD="$CORES busy loops"
fi
LOAD_PID=$!
echo "load: $LOAD (pid $LOAD_PID) on $CORES cores"
failed=0
for i in $(seq "$RUNS"); do
  start=$(date +%s)
  if ./mvnw -B ${MVN_FLAGS:-} verify > "$OUT/run-$i.log" 2>&1; then r=passed; else r=FAILED; failed=1; fi
  tests=$(grep -E '^\[(INFO|ERROR|WARNING)\] Tests run: [0-9]+, Failures: [0-9]+, Errors: [0-9]+, Skipped: [0-9]+$' \
    "$OUT/run-$i.log" | tail -1 | sed 's/^\[[A-Z]*\] //')
  echo "run $i: $r in $(( $(date +%s) - start )) s; $tests (log: $OUT/run-$i.log)"
done
exit $failed
