#!/usr/bin/env bash
# One device call: unpack, then three seeded encoder trainings side by side on the GPU; logs, train logs and each
# run's best.pt (split: a file comes back only under 16 MiB) to $OUT.
cd "$(dirname "$0")/.."
T0=$(date +%s)
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
python3 .gpu/unpack.py || exit 1
echo "unpacked at $(( $(date +%s) - T0 )) s"
run() { name=$1; shift
  PYTHONUNBUFFERED=1 timeout $LIM python3 .gpu/train.py --device cuda --out /tmp/runs/$name "$@" > $OUT/$name.log 2>&1 & }
LIM=$(( ${BUDGET:-520} - ($(date +%s) - T0) ))
echo "training limit $LIM s"
run scratch --steps ${STEPS:-7000} --no-words
run scratchw --steps ${STEPS:-7000} --text-weight 0.05
run b512 --steps ${BSTEPS:-4000} --no-words --batch 512 --lr 1.5e-3
sleep 90; nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader; tail -n 2 $OUT/*.log
wait
echo "trained at $(( $(date +%s) - T0 )) s"
for r in scratch scratchw b512; do
  [ -f /tmp/runs/$r/best.pt ] && split -b 16700000 -d /tmp/runs/$r/best.pt $OUT/$r.best.pt.
  [ -f /tmp/runs/$r/train_log.json ] && cp /tmp/runs/$r/train_log.json $OUT/$r.train_log.json
done
cd $OUT && tar czf logs.tgz *.log *.json 2>/dev/null; rm -f *.log *.json; ls -la $OUT
