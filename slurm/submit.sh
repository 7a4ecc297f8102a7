#!/usr/bin/env bash
# Grade an assignment on a Slurm cluster: a job array of K tasks, task i grading slice i/K of the class into the
# course's one PostgreSQL gradebook (slurm/grade-slice.sbatch), then one job that checks every slice and writes
# the report and grades.csv (slurm/report.sbatch), started when the array has ended.
#
#   slurm/submit.sh [-t TASKS] [-s 'SBATCH OPTIONS'] [-g 'GRADE OPTIONS'] ASSIGNMENT COURSE K
#
#   -t TASKS   only these tasks (sbatch --array syntax: 2, or 1,3): resubmits a cancelled or failed task, which
#              grades only the students of its slice without an outcome
#   -s '...'   more sbatch options for both jobs (--partition=..., --account=..., --cpus-per-task=8)
#   -g '...'   more ./run grade options (--timeout 30)
#
# Run it where RNN_COURSE_DB_URL is set (sbatch passes the environment on), from this repository as the grading
# nodes see it (a shared filesystem). Slurm's output goes to COURSE/reports/ASSIGNMENT/slurm/.
set -euo pipefail
die() { echo "submit: $*" >&2; exit 2; }
usage() { sed -n '5p' "$0" | sed 's/^# *//' >&2; exit 2; }
repo=$(cd "$(dirname "$0")/.." && pwd)
tasks="" sbatch_options="" grade_options=""
while getopts "t:s:g:h" option; do
  case $option in
    t) tasks=$OPTARG ;;
    s) sbatch_options=$OPTARG ;;
    g) grade_options=$OPTARG ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
[ $# -eq 3 ] || usage
assignment=$1 slices=$3
course=$(cd "$2" 2>/dev/null && pwd) || die "no course directory $2"
[ -f "$course/nbgrader_config.py" ] || die "$course is not an nbgrader course directory (no nbgrader_config.py)"
[[ $slices =~ ^[1-9][0-9]*$ ]] || die "K must be the number of slices (1 or more), not '$slices'"
case ${RNN_COURSE_DB_URL:-} in
  postgresql*) ;;
  *) die "set RNN_COURSE_DB_URL to the course's PostgreSQL gradebook (postgresql+psycopg2://user@host/db): every task writes into it at once" ;;
esac
logs=$course/reports/$assignment/slurm
mkdir -p "$logs"
export RNN_REPO=$repo
# shellcheck disable=SC2086  # the options are words to split
array=$(sbatch --parsable --array="${tasks:-1-$slices}" --output="$logs/grade-%A_%a.out" $sbatch_options \
  "$repo/slurm/grade-slice.sbatch" "$assignment" "$course" "$slices" $grade_options)
array=${array%%;*}
# shellcheck disable=SC2086
report=$(sbatch --parsable --dependency="afterany:$array" --output="$logs/report-%j.out" $sbatch_options \
  "$repo/slurm/report.sbatch" "$assignment" "$course" "$slices")
report=${report%%;*}
echo "grading: job $array, tasks ${tasks:-1-$slices} of $slices slices (output: $logs/grade-${array}_<task>.out)"
echo "report:  job $report, once job $array has ended (output: $logs/report-$report.out)"
