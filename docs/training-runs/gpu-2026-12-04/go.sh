#!/usr/bin/env bash
# One device call: unpack, GPU timings, then six seeded trainings side by side (two long runs by time, four
# ablations at equal steps), logs and the long runs' best.pt (split: a file comes back only under 16 MiB) to $OUT.
cd "$(dirname "$0")/.."
T0=$(date +%s)
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
python3 .gpu/unpack.py || exit 1
echo "unpacked at $(( $(date +%s) - T0 )) s"
PYTHONUNBUFFERED=1 timeout 60 python3 .gpu/timing.py > $OUT/timing.txt 2>&1; cat $OUT/timing.txt
echo "timed at $(( $(date +%s) - T0 )) s"
run() { name=$1; lim=$2; shift 2
  PYTHONUNBUFFERED=1 timeout $lim python3 .gpu/train.py --device cuda --out /tmp/runs/$name "$@" > $OUT/$name.log 2>&1 & }
left=$(( 545 - ($(date +%s) - T0) ))
MIN=$(python3 -c "print(round(($left - 75) / 60, 2))")
echo "long runs: --minutes $MIN"
run long $left --minutes $MIN
run long512 $left --minutes $MIN --batch 512 --lr 1.5e-3
run full3k $((left - 10)) --steps 3000
run nowords3k $((left - 10)) --steps 3000 --no-words
run noaug3k $((left - 10)) --steps 3000 --no-augment
run nostyles3k $((left - 10)) --steps 3000 --no-styles
sleep 120; nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader
wait
echo "trained at $(( $(date +%s) - T0 )) s"
for r in long long512; do [ -f /tmp/runs/$r/best.pt ] && split -b 15000000 -d /tmp/runs/$r/best.pt $OUT/$r.best.pt.; done
cd $OUT && tar czf logs.tgz *.log timing.txt && rm -f *.log timing.txt; ls -la $OUT
