#!/bin/bash
# test/bench/lineage/run.sh: what lineage capture costs (issue 5, "Cheap, and
# provably so").  Started by test/bench/run, which provides the cluster (see
# its header for BENCH_*).
#
# Workloads, each run with dpq.lineage on and off on the same server (dpq
# preloaded in both cases; the GUC is set per connection, as a superuser,
# with PGOPTIONS="-c dpq.lineage=on|off"):
#   tpcb     pgbench's built-in TPC-B workload (-b tpcb-like), scale
#            BENCH_PGBENCH_SCALE (default 10): per transaction three UPDATEs,
#            a SELECT and an INSERT ... VALUES.  Target: <= 2% loss.
#   elt      a dbt-style ELT workload (setup.sql, elt.sql): sources customers
#            (2,000 rows), products (500), orders (10,000), a staging view
#            and four marts; per pgbench transaction four small INSERT ...
#            SELECT statements, each its own transaction (autocommit), each
#            moving 5 to 10 rows picked by a random key range, with joins
#            (one through the staging view), aggregates, a CASE and an
#            ON CONFLICT DO UPDATE (an incremental model).  Target: <= 5%.
#   elt_txn  the same four statements in one transaction (elt_txn.sql): the
#            capture buffers four statements' runs and writes them at commit.
# each with the query protocol of pgbench -M simple (every statement parsed,
# analysed and planned: the capture's walk of the query is cached per query
# id, which this exercises) and -M prepared (plans cached; the capture must
# still record every run).  Timed by default: tpcb:simple (pgbench's
# default protocol) elt:prepared elt:simple elt_txn:prepared; counted in
# instructions: those and tpcb:prepared.
#
# The server: a throwaway cluster of this benchmark's own in BENCH_WORK
# (test/bench/run's cluster must keep its postmaster, and the instruction
# counts below need a stopped cluster), set as test/bench/run's (Unix socket
# only, fsync = off, dpq preloaded) and shared_buffers = 256MB so that
# pgbench scale 10 fits in it.  It stays up for all timed runs: on and off
# differ only by the connection's setting.
#
# How it is timed: for each workload, one unrecorded warm-up run of each
# setting, then BENCH_ROUNDS rounds (default 5) of one run with lineage off
# and one with lineage on, the order alternating (off/on, on/off, ...), both
# runs of a round with the same --random-seed.  A run: pgbench -n -c C -j C
# -T S (BENCH_PGBENCH_CLIENTS, default 2 = the machine's cores;
# BENCH_LINEAGE_SECONDS, default 10), after (untimed) TRUNCATE of what the
# workload appends to (pgbench_history, the marts; the upserted
# customer_revenue is kept), VACUUM of the small updated tables
# (pgbench_branches and pgbench_tellers, as pgbench does without -n;
# customer_revenue) and a CHECKPOINT.
# Throughput = pgbench's tps without connection time (for elt, a transaction
# is one execution of the script: four statements).  Reported per workload:
# tps per round, the ratio on/off of the medians, the median and range of
# the per-round ratios, and the loss.
#
# Checked (untimed, around every run): dpq.lineage_runs grew in every run
# with lineage on (the elt workloads must record at least one run per
# statement; TPC-B's statements may legitimately record nothing, which is
# reported) and did not grow in any run with lineage off; otherwise the
# benchmark fails.  Without dpq.lineage (capture not built yet) the
# benchmark still runs, on = off, and says so.
#
# Instructions (valgrind's callgrind, repeatable where timing is not): the
# cluster is stopped and a single-user backend (postgres --single, dpq
# preloaded, -c dpq.lineage=on|off) runs a workload's script (cgscript: the
# pgbench script executed N times with fixed random values; "prepared" as
# PREPARE once + EXECUTE) for N = BENCH_CALLGRIND_N / 4 and
# BENCH_CALLGRIND_N (default 200) transactions of ELT, 5 times as many of
# TPC-B (whose transactions are 10 times cheaper); the whole backend is counted (as
# test/bench/masking does: postgres' own functions have no symbols but the
# exported ones, so collection cannot be narrowed to the statements), per
# transaction = the difference between the two runs divided by the
# difference of N: start-up and first-time costs (catalog loads) cancel
# out; what scales with N stays, including the shutdown checkpoint's writing
# of the pages the statements dirtied.  First, without valgrind, one run of
# each script with lineage on writes its jobs (a job is written once, the
# first time its shape commits: the steady state is one run row per
# statement), then the appended tables are truncated, everything vacuumed
# and checkpointed, and the stopped cluster's files copied: every counted
# run starts from that copy (the same pages, free space and dead tuples:
# otherwise HOT pruning and page splits differ from run to run by more than
# lineage costs).  The per-function
# difference of each workload's four outputs (test/bench/cgdiff) is printed,
# its largest lines.
#
# Knobs (environment): BENCH_ROUNDS (default 5), BENCH_LINEAGE_SECONDS
# (default 10), BENCH_LINEAGE_WORKLOADS (timed, a list of WORKLOAD:MODE;
# empty: none), BENCH_LINEAGE_CG_WORKLOADS (counted; empty: none),
# BENCH_PGBENCH_SCALE (default 10), BENCH_PGBENCH_CLIENTS (default 2),
# BENCH_CALLGRIND_N (default 200; 0 skips callgrind),
# BENCH_LINEAGE_CGDIFF_LINES (default 12; 0: none), BENCH_LINEAGE_CG_DIR (a
# directory to copy the callgrind outputs and per-function diffs to: the
# work directory is removed at the end).
# BENCH_QUICK=1: a smoke run (3 rounds of 3 s, scale 2, N = 40), about 2.5
# minutes.
set -euo pipefail

: "${BENCH_PSQL:?run me through test/bench/run}" "${BENCH_DB:?}" "${BENCH_WORK:?}" "${BENCH_OWNER:?}"
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
W=$BENCH_WORK
posint() { [[ "$2" =~ ^[1-9][0-9]*$ ]] || { echo "lineage: $1 must be a positive integer" >&2; exit 1; }; }
if [ "${BENCH_QUICK:-0}" = 1 ]; then
	d_rounds=3 d_secs=3 d_scale=2 d_cg=40
else
	d_rounds=5 d_secs=10 d_scale=10 d_cg=200
fi
ROUNDS=${BENCH_ROUNDS:-$d_rounds}
SECS=${BENCH_LINEAGE_SECONDS:-$d_secs}
SCALE=${BENCH_PGBENCH_SCALE:-$d_scale}
CLIENTS=${BENCH_PGBENCH_CLIENTS:-2}
CG_N=${BENCH_CALLGRIND_N:-$d_cg}
WORKLOADS=${BENCH_LINEAGE_WORKLOADS-tpcb:simple elt:prepared elt:simple elt_txn:prepared}
CG_WORKLOADS=${BENCH_LINEAGE_CG_WORKLOADS-tpcb:simple tpcb:prepared elt:prepared elt:simple elt_txn:prepared}
CG_KEEP=${BENCH_LINEAGE_CG_DIR:-}
CGDIFF_LINES=${BENCH_LINEAGE_CGDIFF_LINES:-12}
posint BENCH_ROUNDS "$ROUNDS"
posint BENCH_LINEAGE_SECONDS "$SECS"
posint BENCH_PGBENCH_SCALE "$SCALE"
posint BENCH_PGBENCH_CLIENTS "$CLIENTS"
[[ "$CG_N" =~ ^[0-9]+$ ]] || { echo "lineage: BENCH_CALLGRIND_N must be a number" >&2; exit 1; }
[[ "$CGDIFF_LINES" =~ ^[0-9]+$ ]] || { echo "lineage: BENCH_LINEAGE_CGDIFF_LINES must be a number" >&2; exit 1; }
for wm in $WORKLOADS $CG_WORKLOADS; do
	case "$wm" in
		tpcb:simple | tpcb:prepared | elt:simple | elt:prepared | elt_txn:simple | elt_txn:prepared) ;;
		*) echo "lineage: unknown workload '$wm' (tpcb, elt, elt_txn, each :simple or :prepared)" >&2; exit 1 ;;
	esac
done
# the ELT sources' sizes
N_CUSTOMERS=2000 N_PRODUCTS=500 N_ORDERS=10000
ELT_VARS=("norders=$N_ORDERS" "ncustomers=$N_CUSTOMERS" "nproducts=$N_PRODUCTS")
ELT_MARTS="fct_order_lines, dim_products, order_status_daily"

cp "$SRC/setup.sql" "$SRC/report.sql" "$SRC/elt.sql" "$SRC/elt_txn.sql" "$SRC/tpcb.sql" "$W/"
chmod 644 "$W"/*.sql

psql() { "$BENCH_PSQL" -d "$BENCH_DB" "$@"; }

# commands run as the cluster owner (initdb, pg_ctl, pgbench, valgrind)
if [ "$(id -un)" = "$BENCH_OWNER" ]; then AS_PG=(); else AS_PG=(runuser -u "$BENCH_OWNER" --); fi

# ---------------------------------------------------------------------------
# The benchmark's own cluster, and its removal on every exit (as
# test/bench/masking's part c)
# ---------------------------------------------------------------------------
C="$W/pgc"	# its data directory is $C/data, its socket directory $C
C_PID=""	# its postmaster while it runs
CHILD=""
# On a signal, test/bench/run removes BENCH_WORK right after signalling this
# script, without waiting: so the postmaster is told to stop first, by its
# process id, before anything else.
# shellcheck disable=SC2317  # reached through the traps below
cleanup() {
	local rc=$? i
	trap - EXIT INT TERM HUP
	[ -z "$C_PID" ] || kill -INT "$C_PID" 2>/dev/null || true	# fast shutdown
	if [ -n "$CHILD" ]; then
		kill "$CHILD" 2>/dev/null || true
		wait "$CHILD" 2>/dev/null || true
	fi
	if [ -n "$C_PID" ]; then
		for ((i = 0; i < 600; i++)); do
			kill -0 "$C_PID" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$C_PID" 2>/dev/null; then
			kill -QUIT "$C_PID" 2>/dev/null || true	# immediate shutdown
			sleep 2
		fi
		if kill -0 "$C_PID" 2>/dev/null; then
			echo "lineage: the cluster in $C (postmaster $C_PID) did not stop" >&2
			rc=1
		fi
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# run_bg IN CMD...: run CMD with stdin IN in the background and wait for it,
# so that a signal reaches the traps above at once
run_bg() {
	local in=$1 rc=0
	shift
	"$@" <"$in" &
	CHILD=$!
	wait "$CHILD" || rc=$?
	CHILD=""
	return "$rc"
}

PGBIN=$(psql -qAt -c "SELECT setting FROM pg_config WHERE name = 'BINDIR'")
# dpq.so as installed now: the single-user backends load it again, so a
# build installed during the benchmark would mix two builds' figures
DPQ_SO="$(psql -qAt -c "SELECT setting FROM pg_config WHERE name = 'PKGLIBDIR'")/dpq.so"
DPQ_MD5=$(md5sum <"$DPQ_SO")
so_unchanged() {
	[ "$(md5sum <"$DPQ_SO")" = "$DPQ_MD5" ] || {
		echo "WARNING: $DPQ_SO was replaced during the benchmark: $1"
		DPQ_MD5=$(md5sum <"$DPQ_SO")
	}
}

# cpsql ARGS...: psql on the benchmark's cluster, as its bootstrap superuser,
# with lineage left as configured
cpsql() { "${AS_PG[@]}" "$PGBIN/psql" -X -h "$C" -p "$CPORT" -v ON_ERROR_STOP=1 "$@"; }

cstart() {
	"${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$C/data" -l "$C/log" -w -t 120 start >/dev/null || {
		[ ! -f "$C/data/postmaster.pid" ] || C_PID=$(head -n 1 "$C/data/postmaster.pid")
		echo "lineage: the benchmark's cluster did not start; end of its log:" >&2
		tail -n 30 "$C/log" >&2
		exit 1
	}
	C_PID=$(head -n 1 "$C/data/postmaster.pid")
}
cstop() {
	"${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$C/data" -m fast -w -t 120 stop >/dev/null
	C_PID=""
}

echo "setting up a cluster of its own (dpq preloaded, shared_buffers = 256MB) ..."
mkdir -p "$C"
[ "$BENCH_OWNER" = "$(id -un)" ] || chown "$BENCH_OWNER": "$C"
if ! "${AS_PG[@]}" "$PGBIN/initdb" -D "$C/data" -A trust --no-sync --no-locale -E UTF8 >"$C/initdb.log" 2>&1; then
	echo "lineage: initdb failed:" >&2
	cat "$C/initdb.log" >&2
	exit 1
fi
# the socket is in $C only (no TCP): the port number cannot collide
CPORT=$(($(psql -qAt -c 'SHOW port') + 1))
cat >>"$C/data/postgresql.conf" <<EOF

# ---- test/bench/lineage: the benchmark's cluster ----
listen_addresses = ''
unix_socket_directories = '$C'
port = $CPORT
shared_preload_libraries = 'dpq'
fsync = off
shared_buffers = 256MB
EOF
cstart

# Is lineage capture there?  The GUC (dpq preloaded) and the catalog.
cpsql -d postgres -q -c 'CREATE DATABASE bench'
cpsql -d bench -q -c 'SET client_min_messages = warning' -c 'CREATE EXTENSION dpq'
read -r GUC HAS_RUNS < <(cpsql -d bench -qAt -F ' ' -c \
	"SELECT coalesce(current_setting('dpq.lineage', true), '-'), to_regclass('dpq.lineage_runs') IS NOT NULL")
if [ "$GUC" != "-" ] && [ "$HAS_RUNS" = t ]; then
	LINEAGE=1
	echo "dpq.lineage exists (server default: $GUC); dpq.lineage_runs exists"
	[ "$GUC" = on ] || echo "lineage: note: dpq.lineage is '$GUC' by default, the runs set it per connection"
else
	LINEAGE=0
	echo "WARNING: lineage capture is not there (dpq.lineage: ${GUC/-/not defined}; dpq.lineage_runs: $([ "$HAS_RUNS" = t ] && echo exists || echo missing))."
	echo "WARNING: 'on' and 'off' runs are the same configuration: the figures below measure noise only."
fi

# lineage_env CFG: the environment a connection needs for dpq.lineage = CFG
lineage_env() {
	if [ "$LINEAGE" = 1 ]; then echo "PGOPTIONS=-c dpq.lineage=$1"; else echo "PGOPTIONS="; fi
}
# runs_count: rows in dpq.lineage_runs (0 without the catalog)
runs_count() {
	if [ "$HAS_RUNS" = t ]; then cpsql -d bench -qAt -c 'SELECT count(*) FROM dpq.lineage_runs'; else echo 0; fi
}

echo "loading: pgbench -i -s $SCALE, the ELT sources ($N_CUSTOMERS customers, $N_PRODUCTS products, $N_ORDERS orders) ..."
t0=$SECONDS
run_bg /dev/null "${AS_PG[@]}" "$PGBIN/pgbench" -h "$C" -p "$CPORT" -i -q -s "$SCALE" -I dtGvp bench \
	>"$C/pgbench-init.log" 2>&1 || { cat "$C/pgbench-init.log" >&2; exit 1; }
cpsql -d bench -q -v customers="$N_CUSTOMERS" -v products="$N_PRODUCTS" -v orders="$N_ORDERS" -f "$W/setup.sql"
cpsql -d bench -q -c 'CHECKPOINT'
echo "loaded in $((SECONDS - t0)) s; $(cpsql -d bench -qAt -c "SELECT format('pgbench_accounts %s rows (%s with its primary key); lineage_runs %s rows, lineage_jobs %s', to_char(count(*), 'FM999,999,999'), pg_size_pretty(pg_total_relation_size('pgbench_accounts')), (SELECT count(*) FROM dpq.lineage_runs), (SELECT count(*) FROM dpq.lineage_jobs)) FROM pgbench_accounts" 2>/dev/null ||
	cpsql -d bench -qAt -c "SELECT format('pgbench_accounts %s rows', count(*)) FROM pgbench_accounts")"
C_SETTINGS=$(cpsql -d bench -qAt -c "SELECT string_agg(name || '=' || current_setting(name), ', ' ORDER BY name) FROM pg_settings WHERE name IN ('shared_buffers', 'fsync', 'synchronous_commit', 'jit', 'max_parallel_workers_per_gather', 'compute_query_id', 'shared_preload_libraries')")

# prepare WORKLOAD: untimed, before every run: empty what the workload
# appends to, vacuum what it updates, checkpoint
prepare() {
	case "$1" in
		tpcb) cpsql -d bench -q -c 'TRUNCATE pgbench_history' \
			-c 'VACUUM pgbench_branches, pgbench_tellers' -c 'CHECKPOINT' ;;
		elt | elt_txn) cpsql -d bench -q -c "TRUNCATE $ELT_MARTS" \
			-c 'VACUUM customer_revenue' -c 'CHECKPOINT' ;;
	esac
}

# pgbench_run WORKLOAD MODE CFG SECONDS SEED OUT
pgbench_run() {
	local wl=$1 mode=$2 cfg=$3 secs=$4 seed=$5 out=$6 script=()
	case "$wl" in
		tpcb) script=(-b tpcb-like) ;;
		elt | elt_txn) script=(-f "$W/$wl.sql")
			for v in "${ELT_VARS[@]}"; do script+=(-D "$v"); done ;;
	esac
	run_bg /dev/null "${AS_PG[@]}" env "$(lineage_env "$cfg")" "$PGBIN/pgbench" -h "$C" -p "$CPORT" -n \
		-M "$mode" -c "$CLIENTS" -j "$CLIENTS" -T "$secs" --random-seed="$seed" "${script[@]}" bench \
		>"$out" 2>&1 || {
		echo "lineage: pgbench failed ($wl, -M $mode, lineage $cfg):" >&2
		cat "$out" >&2
		exit 1
	}
	if grep -q '^number of failed transactions: [1-9]' "$out"; then
		echo "lineage: pgbench reports failed transactions ($wl, -M $mode, lineage $cfg):" >&2
		cat "$out" >&2
		exit 1
	fi
}

# statements per pgbench transaction that lineage must record a run for
captured_per_xact() {
	case "$1" in tpcb) echo 0 ;; elt | elt_txn) echo 4 ;; esac
}

warm_secs=$((SECS >= 10 ? 3 : 1))
: >"$W/pgbench.tsv"
chmod 644 "$W/pgbench.tsv"
echo
[ -z "${WORKLOADS// /}" ] || echo "timed: pgbench -n -c $CLIENTS -j $CLIENTS -T $SECS, lineage off and on alternating, $ROUNDS rounds after a ${warm_secs} s warm-up of each; tps (lineage runs recorded per transaction)"
TPCB_NONE=0
for wm in $WORKLOADS; do
	wl=${wm%%:*}
	mode=${wm#*:}
	for cfg in off on; do
		prepare "$wl"
		pgbench_run "$wl" "$mode" "$cfg" "$warm_secs" 0 "$C/pgbench-warm.out"
	done
	for ((r = 1; r <= ROUNDS; r++)); do
		if ((r % 2)); then order="off on"; else order="on off"; fi
		printf '  %-16s round %d:' "$wm" "$r"
		for cfg in $order; do
			prepare "$wl"
			before=$(runs_count)
			pgbench_run "$wl" "$mode" "$cfg" "$SECS" "$r" "$C/pgbench.out"
			after=$(runs_count)
			tps=$(awk '/^tps = / { print $3; exit }' "$C/pgbench.out")
			xacts=$(awk '/^number of transactions actually processed: / { print $6; exit }' "$C/pgbench.out")
			if [ -z "$tps" ] || [ -z "$xacts" ] || [ "$xacts" -eq 0 ]; then
				echo "lineage: no tps in pgbench's output:" >&2
				cat "$C/pgbench.out" >&2
				exit 1
			fi
			runs=$((after - before))
			printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$wl" "$mode" "$cfg" "$r" "$tps" "$xacts" "$runs" >>"$W/pgbench.tsv"
			printf ' %s %.0f tps (%s);' "$cfg" "$tps" "$(awk -v a="$runs" -v b="$xacts" 'BEGIN { printf "%.2f", a / b }')"
			# the capture really on, and really off
			if [ "$LINEAGE" = 1 ]; then
				if [ "$cfg" = off ] && [ "$runs" -ne 0 ]; then
					echo
					echo "lineage: FAILED: $runs lineage runs recorded with dpq.lineage = off ($wm, round $r)" >&2
					exit 1
				fi
				need=$(captured_per_xact "$wl")
				if [ "$cfg" = on ] && [ "$runs" -lt $((need * xacts)) ]; then
					echo
					echo "lineage: FAILED: $runs lineage runs recorded with dpq.lineage = on for $xacts transactions of $need captured statements ($wm, round $r)" >&2
					exit 1
				fi
				if [ "$cfg" = on ] && [ "$runs" -eq 0 ]; then TPCB_NONE=1; fi
			fi
		done
		echo
	done
done
[ "$TPCB_NONE" = 0 ] || echo "  note: TPC-B recorded no lineage runs with lineage on (its UPDATEs read only their own row, the INSERT reads nothing)"
psql -q -c 'CREATE TABLE bench_pgbench (workload text, mode text, cfg text, round int, tps float8, xacts bigint, runs bigint)'
psql -q -c '\copy bench_pgbench FROM pstdin' <"$W/pgbench.tsv"

# ---------------------------------------------------------------------------
# Instructions: callgrind on a single-user backend
# ---------------------------------------------------------------------------
psql -q -c 'CREATE TABLE bench_callgrind (workload text, mode text, cfg text, n int, ir bigint, runs bigint)'
CG_DONE=0
if [ "$CG_N" -gt 0 ] && [ -n "${CG_WORKLOADS// /}" ]; then
	if ! command -v valgrind >/dev/null 2>&1 || ! command -v callgrind_annotate >/dev/null 2>&1; then
		echo "callgrind: valgrind is not installed, skipped (apt-get install valgrind)"
	else
		cstop
		so_unchanged "the timed runs used the build of the start, the instruction counts use the new one"
		CG="$W/cg"
		mkdir -p "$CG"
		[ "$BENCH_OWNER" = "$(id -un)" ] || chown "$BENCH_OWNER": "$CG"
		: >"$W/callgrind.tsv"

		# single WHAT IN OUT [GUC...]: a single-user backend without valgrind
		single() {
			local what=$1 in=$2 out=$3
			shift 3
			run_bg "$in" "${AS_PG[@]}" "$PGBIN/postgres" --single -D "$C/data" "$@" bench >"$out" 2>"$out.err" || {
				echo "lineage: the single-user backend failed ($what):" >&2
				tail -n 30 "$out.err" >&2
				exit 1
			}
			if grep -Eq '^(ERROR|FATAL|PANIC):' "$out.err"; then
				echo "lineage: a statement failed in the single-user backend ($what):" >&2
				grep -E -A3 '^(ERROR|FATAL|PANIC):' "$out.err" | head -n 20 >&2
				exit 1
			fi
		}
		echo 'SELECT count(*) AS lineage_runs FROM dpq.lineage_runs;' >"$CG/count.sql"
		# cg_runs: lineage runs in the catalog, by a single-user backend
		cg_runs() {
			if [ "$HAS_RUNS" = t ]; then
				single "count" "$CG/count.sql" "$CG/count.out"
				sed -n 's/^[[:space:]]*1: lineage_runs = "\([0-9]*\)".*/\1/p' "$CG/count.out"
			else
				echo 0
			fi
		}
		# cg_n WORKLOAD: sets n1 and n2, the two run lengths
		cg_n() {
			if [ "$1" = tpcb ]; then n2=$((CG_N * 5)); else n2=$CG_N; fi
			n1=$((n2 / 4 > 0 ? n2 / 4 : 1))
			[ "$n2" -gt "$n1" ] || n2=$((n1 + 1))
		}
		# the scripts; one unmeasured run of each with lineage on, so that
		# its jobs exist (a job is written the first time its shape commits)
		t0=$SECONDS
		for wm in $CG_WORKLOADS; do
			wl=${wm%%:*}
			mode=${wm#*:}
			cg_n "$wl"
			case "$wl" in
				tpcb) vars=(scale="$SCALE") ;;
				*) vars=("${ELT_VARS[@]}") ;;
			esac
			for n in $n1 $n2; do
				"$SRC/cgscript" "$W/$wl.sql" "$n" "$mode" 1 "${vars[@]}" >"$CG/$wl.$mode.$n.sql"
			done
			chmod 644 "$CG"/*.sql
			single "warm-up" "$CG/$wl.$mode.$n1.sql" "$CG/warm.out"
		done
		# then one state every counted run starts from: the appended tables
		# empty, everything vacuumed, a copy of the stopped cluster's files
		{
			echo "TRUNCATE pgbench_history, $ELT_MARTS, customer_revenue;"
			echo "VACUUM;"
			echo "CHECKPOINT;"
		} >"$CG/reset.sql"
		single "reset" "$CG/reset.sql" "$CG/reset.out"
		"${AS_PG[@]}" cp -a "$C/data" "$C/data.cg"
		runs0=$(cg_runs)
		echo
		echo "callgrind: postgres --single, a workload's script N times (ELT N = $((CG_N / 4 > 0 ? CG_N / 4 : 1)) and $CG_N, TPC-B 5 times as many), whole backend, every run from the same copy of the cluster's files ($((SECONDS - t0)) s to prepare); per transaction = difference / difference of N"
		for wm in $CG_WORKLOADS; do
			wl=${wm%%:*}
			mode=${wm#*:}
			cg_n "$wl"
			for cfg in off on; do
				gucs=()
				[ "$LINEAGE" = 0 ] || gucs=(-c "dpq.lineage=$cfg")
				for n in $n1 $n2; do
					out="$CG/$wl.$mode.$cfg.$n"
					t0=$SECONDS
					"${AS_PG[@]}" rm -rf "$C/data"
					"${AS_PG[@]}" cp -a "$C/data.cg" "$C/data"
					run_bg "$CG/$wl.$mode.$n.sql" "${AS_PG[@]}" valgrind --tool=callgrind --trace-children=no \
						--callgrind-out-file="$out" \
						"$PGBIN/postgres" --single -D "$C/data" "${gucs[@]}" bench \
						>"$out.stdout" 2>"$out.log" || {
						echo "lineage: the single-user backend under callgrind failed:" >&2
						tail -n 30 "$out.log" >&2
						exit 1
					}
					if grep -Eq '^(ERROR|FATAL|PANIC):' "$out.log"; then
						echo "lineage: a statement failed in the single-user backend under callgrind ($wm):" >&2
						grep -E -A3 '^(ERROR|FATAL|PANIC):' "$out.log" | head -n 20 >&2
						exit 1
					fi
					ir=$(awk '/^(summary|totals):/ { print $2; exit }' "$out")
					runs=$(($(cg_runs) - runs0))
					printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$wl" "$mode" "$cfg" "$n" "$ir" "$runs" >>"$W/callgrind.tsv"
					printf '  %-16s lineage %-3s N = %-5d %14s instructions, %6d lineage runs (%d s)\n' \
						"$wm" "$cfg" "$n" "$ir" "$runs" "$((SECONDS - t0))"
					if [ "$LINEAGE" = 1 ]; then
						need=$(captured_per_xact "$wl")
						if [ "$cfg" = off ] && [ "$runs" -ne 0 ]; then
							echo "lineage: FAILED: $runs lineage runs recorded with dpq.lineage = off (callgrind, $wm)" >&2
							exit 1
						fi
						if [ "$cfg" = on ] && [ "$runs" -lt $((need * n)) ]; then
							echo "lineage: FAILED: $runs lineage runs recorded with dpq.lineage = on for $n transactions of $need captured statements (callgrind, $wm)" >&2
							exit 1
						fi
					fi
				done
			done
			# where the difference goes, per function (largest last)
			if [ "$CGDIFF_LINES" -gt 0 ] && [ -x "$SRC/../cgdiff" ]; then
				echo "    per function, instructions per transaction (test/bench/cgdiff), the largest differences:"
				"$SRC/../cgdiff" "$CG/$wl.$mode." "$n1" "$n2" >"$CG/cgdiff.$wl.$mode.txt" 2>&1 || true
				tail -n "$((CGDIFF_LINES + 1))" "$CG/cgdiff.$wl.$mode.txt" | sed 's/^/    /'
			fi
		done
		"${AS_PG[@]}" rm -rf "$C/data.cg"
		chmod 644 "$W/callgrind.tsv"
		psql -q -c '\copy bench_callgrind FROM pstdin' <"$W/callgrind.tsv"
		CG_DONE=1
		if [ -n "$CG_KEEP" ]; then
			mkdir -p "$CG_KEEP"
			cp "$CG"/*.txt "$CG"/*.sql "$W/callgrind.tsv" "$CG_KEEP/" 2>/dev/null || true
			for f in "$CG"/*.on.* "$CG"/*.off.*; do
				case "$f" in *.stdout | *.log) ;; *) cp "$f" "$CG_KEEP/" ;; esac
			done
			echo "callgrind outputs copied to $CG_KEEP (test/bench/cgdiff $CG_KEEP/WORKLOAD.MODE. N1 N2)"
		fi
	fi
fi

if [ "$CG_DONE" = 1 ]; then
	so_unchanged "during the instruction counts: they mix two builds of dpq"
else
	so_unchanged "the timed runs all used the build of the start"
fi
echo
echo "cluster: $C_SETTINGS; everything else default; pgbench scale $SCALE"
TIMED=0
[ -z "${WORKLOADS// /}" ] || TIMED=1
psql -q -v rounds="$ROUNDS" -v secs="$SECS" -v lineage="$LINEAGE" -v timed="$TIMED" -v cg="$CG_DONE" -f "$W/report.sql"
