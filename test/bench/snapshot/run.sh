#!/bin/bash
# test/bench/snapshot/run.sh: SCD2 snapshots and continuous history (the
# issue's "Tests and figures").  Started by test/bench/run, which provides the
# cluster (see its header for BENCH_*).
#
# Part 1, snapshots: dpq.snapshot against the SQL dbt-postgres runs for the
# same snapshot.
#   Data (setup.sql, changes.sql): a dimension `dim` of BENCH_ROWS rows
#   (default 1,000,000): id int PRIMARY KEY, six attribute columns (text,
#   int, numeric, date, boolean, varchar) with some NULLs, updated_at
#   timestamptz.  Four snapshots of it are built once, before the change
#   set: dpq and dbt, each with the check strategy (check_cols = the six
#   attribute columns) and with the timestamp strategy (updated_at), all with
#   hard_deletes = 'invalidate'.  Then the change set is applied to dim:
#   1% of the rows updated (one attribute each, including NULL -> value and
#   value -> NULL, updated_at moved later), 0.1% deleted, 0.5% new ids.
#   Copies of the four built targets are kept.
#   dbt: the statements dbt-core 1.9's snapshot materialization sends
#   through dbt-postgres for an existing target (macros
#   default__snapshot_staging_table, snapshot_check_strategy /
#   snapshot_timestamp_strategy with hard_deletes = 'invalidate',
#   default__snapshot_hash_arguments, postgres__snapshot_get_time,
#   postgres__create_table_as, postgres__snapshot_merge_sql), rendered here
#   for this table: in one transaction as dbt runs it, BEGIN; CREATE
#   TEMPORARY TABLE <target>__dbt_tmp... AS (the staging query: snapshot_query,
#   snapshotted_data, insertions_source_data, updates_source_data,
#   deletes_source_data, insertions, updates, deletes); UPDATE <target> SET
#   dbt_valid_to ... FROM the staging table; INSERT INTO <target> SELECT ...
#   FROM the staging table WHERE dbt_change_type = 'insert'; COMMIT.  dbt's
#   catalog queries before and between these (columns of the target and the
#   staging table, a few ms) are not sent: the dbt figure is a lower bound.
#   The first build is dbt's create table as (build_snapshot_table).  dbt's
#   target has no index (dbt creates none unless configured).
#   dpq: `SELECT * FROM dpq.snapshot('<target>'::regclass)`, the re-run
#   with the stored configuration, one statement in autocommit.
# How it is timed:
#   - Every timed statement is sent by psql and timed by psql's \timing
#     (client clock, Unix socket); a dbt run is the sum of its five
#     statements (BEGIN ... COMMIT), a dpq run its one statement.
#   - Each run in a connection of its own (as a scheduler starts dbt or a
#     psql -c for dpq), after reading the source and the target with LIMIT 0
#     (untimed; dbt's catalog queries would have done that).
#   - One round per strategy: the dbt and dpq targets are restored from their
#     copies (TRUNCATE, INSERT ... SELECT, VACUUM ANALYZE, CHECKPOINT;
#     untimed), then the change run of dbt and of dpq, then a re-run of each
#     with no change in the source (the "no-change re-run").  dbt first in
#     odd rounds, dpq first in even ones.  One warm-up round (not counted),
#     then BENCH_ROUNDS rounds (default 5).  The builds are timed once each.
#   - Answers are checked after every run (untimed): the counts each run
#     reports (dpq's result row; dbt's staging table by dbt_change_type)
#     against the change set, and the two targets against each other:
#     current versions and closed versions compared as multisets of the
#     source columns (for the timestamp strategy also dbt_valid_from /
#     dpq_valid_from), plus no current version of a deleted key and at most
#     one current version per key.  Validity times of the check strategy
#     (now() of each run) and of deletions differ between the two and are
#     not compared.
#
# Part 2, history trigger: 100,000 single-row UPDATEs (BENCH_TRIGGER_UPDATES)
#   of a table of 100,000 rows (BENCH_TRIGGER_ROWS; same columns as dim),
#   `UPDATE t SET qty = coalesce(qty, 0) + 1, updated_at = now() WHERE id =
#   :k` with k uniformly random (pgbench's random()), each UPDATE its own
#   transaction (autocommit, as an application's single-row writes), by
#   pgbench -n -c 1 -j 1 -M prepared: on a plain table, on a table kept by
#   dpq.track_history, and on a table with the `periods` extension's system
#   versioning (periods.add_system_time_period + periods.add_system_versioning;
#   Debian package postgresql-15-periods, installed by this script when
#   missing and run as root, else skipped).  Both history mechanisms are
#   row triggers in C that write the prior version to a history table.
#   Every round makes fresh tables with the same rows (untimed).  Because
#   this machine's speed drifts within seconds, a round's UPDATEs run in
#   BENCH_TRIGGER_CHUNKS (default 10) chunks per variant, interleaved
#   (plain, dpq, periods, then the order rotated), each chunk a pgbench run
#   of -t N/chunks after a CHECKPOINT (so that every chunk pays the same
#   full-page writes); chunk j uses the same random seed, hence the same
#   keys, for every variant.  A variant's time in a round = the sum over
#   its chunks of N/chunks / tps (pgbench's tps excludes connection time);
#   per UPDATE = that / N.  Overhead = (time with - time plain) / time plain,
#   of the medians over the rounds, and the median of the per-round
#   overheads; target: dpq's overhead <= half of periods'.  Checked: each
#   tracked table's history holds one row per UPDATE, and the three tables
#   hold the same values after every round.
#
# Knobs (environment): BENCH_ROWS, BENCH_ROUNDS; BENCH_SNAPSHOT_PARTS
# (default "snapshot trigger"); BENCH_TRIGGER_ROWS (default BENCH_ROWS / 10,
# at least 1,000), BENCH_TRIGGER_UPDATES (default 100,000, or BENCH_TRIGGER_ROWS
# when BENCH_ROWS < 1,000,000), BENCH_TRIGGER_CHUNKS (default 10).
set -euo pipefail

: "${BENCH_PSQL:?run me through test/bench/run}" "${BENCH_DB:?}" "${BENCH_WORK:?}" "${BENCH_OWNER:?}"
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROWS=${BENCH_ROWS:-1000000}
ROUNDS=${BENCH_ROUNDS:-5}
PARTS=${BENCH_SNAPSHOT_PARTS:-snapshot trigger}
W=$BENCH_WORK
posint() { [[ "$2" =~ ^[1-9][0-9]*$ ]] || { echo "snapshot: $1 must be a positive integer" >&2; exit 1; }; }
posint BENCH_ROWS "$ROWS"
posint BENCH_ROUNDS "$ROUNDS"
for p in $PARTS; do
	case "$p" in snapshot | trigger) ;; *) echo "snapshot: BENCH_SNAPSHOT_PARTS: unknown part '$p' (snapshot, trigger)" >&2; exit 1 ;; esac
done
has_part() { [[ " $PARTS " == *" $1 "* ]]; }
T_ROWS=${BENCH_TRIGGER_ROWS:-$((ROWS / 10 > 1000 ? ROWS / 10 : 1000))}
if [ "$ROWS" -ge 1000000 ]; then def_updates=100000; else def_updates=$T_ROWS; fi
T_UPDATES=${BENCH_TRIGGER_UPDATES:-$def_updates}
posint BENCH_TRIGGER_ROWS "$T_ROWS"
posint BENCH_TRIGGER_UPDATES "$T_UPDATES"
CHUNKS=${BENCH_TRIGGER_CHUNKS:-10}
posint BENCH_TRIGGER_CHUNKS "$CHUNKS"

cp "$SRC/setup.sql" "$SRC/changes.sql" "$SRC/report.sql" "$W/"
chmod 644 "$W"/*.sql

psql() { "$BENCH_PSQL" -d "$BENCH_DB" "$@"; }
if [ "$(id -un)" = "$BENCH_OWNER" ]; then AS_PG=(); else AS_PG=(runuser -u "$BENCH_OWNER" --); fi

CHILD=""
# shellcheck disable=SC2317  # reached through the traps below
cleanup() {
	local rc=$?
	trap - EXIT INT TERM HUP
	if [ -n "$CHILD" ]; then
		kill "$CHILD" 2>/dev/null || true
		wait "$CHILD" 2>/dev/null || true
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# run_bg CMD...: run CMD in the background and wait for it, so that a signal
# reaches the traps above at once
run_bg() {
	local rc=0
	"$@" &
	CHILD=$!
	wait "$CHILD" || rc=$?
	CHILD=""
	return "$rc"
}

# timed LABEL: psql prints the marker; every "Time:" line until the next
# marker belongs to LABEL (summed)
mark() { printf '\\echo @T %s\n' "$1"; }

# parse psql's stdout: "@T part strategy round what", then "Time: N ms" lines
parse_times() {
	awk '
		function flush() { if (key != "") { if (n == 0) { print "snapshot: no time for " key > "/dev/stderr"; bad = 1 } else print key "\t" sum } key = "" }
		/^@T / { flush(); key = $2 "\t" $3 "\t" $4 "\t" $5; sum = 0; n = 0; next }
		/^@E$/ { flush(); next }
		/^Time: / && key != "" { sum += $2; n++; next }
		/^Time: / { next }
		{ print "snapshot: unexpected psql output: " $0 > "/dev/stderr"; bad = 1 }
		END { flush(); exit bad }'
}

echo "rows: $ROWS; rounds: 1 warm-up + $ROUNDS timed, medians reported; parts: $PARTS"
echo "loading (setup.sql) ..."
t0=$SECONDS
psql -q -v rows="$ROWS" -f "$W/setup.sql"
echo "loaded in $((SECONDS - t0)) s"
: >"$W/timings.tsv"
chmod 644 "$W/timings.tsv"

# ---------------------------------------------------------------------------
# Part 1: snapshots
# ---------------------------------------------------------------------------
# the relation names as dbt renders them: "database"."schema"."identifier"
DBQ="\"$BENCH_DB\".\"public\""
SOURCE_SQL="select * from $DBQ.\"dim\""
SRC_COLS=(id name qty price since active code updated_at)
CHECK_COLS=(name qty price since active code)
# postgres__snapshot_get_time
NOW_SQL="now()::timestamp without time zone"

# dbt_hash ARG...: default__snapshot_hash_arguments
dbt_hash() {
	local out="md5(" sep="" a
	for a in "$@"; do
		out+="${sep}coalesce(cast($a as varchar ), '')
        "
		sep=" || '|' || "
	done
	printf '%s)' "$out"
}

# strategy_vars STRATEGY: sets UPDATED_AT (strategy.updated_at), ROW_CHANGED
# (strategy.row_changed) and SCD_ID (strategy.scd_id) as dbt's strategy
# macros render them for this snapshot
strategy_vars() {
	local c sep=""
	if [ "$1" = check ]; then
		UPDATED_AT=$NOW_SQL
		ROW_CHANGED="("
		for c in "${CHECK_COLS[@]}"; do
			ROW_CHANGED+="$sep"'snapshotted_data."'$c'" != source_data."'$c'"
        or
        (
            ((snapshotted_data."'$c'" is null) and not (source_data."'$c'" is null))
            or
            ((not snapshotted_data."'$c'" is null) and (source_data."'$c'" is null))
        )'
			sep=" or "
		done
		ROW_CHANGED+=")"
	else
		UPDATED_AT=updated_at
		ROW_CHANGED="(snapshotted_data.dbt_valid_from < source_data.updated_at)"
	fi
	SCD_ID=$(dbt_hash id "$UPDATED_AT")
}

# dbt_build STRATEGY TARGET: the first run (default__build_snapshot_table
# inside postgres__create_table_as)
dbt_build() {
	strategy_vars "$1"
	cat <<EOF
BEGIN;

  create  table $DBQ."$2"
  
  
    as
  
  (
    

    select *,
        $SCD_ID as dbt_scd_id,
        $UPDATED_AT as dbt_updated_at,
        $UPDATED_AT as dbt_valid_from,
        
  coalesce(nullif($UPDATED_AT, $UPDATED_AT), null)
  as dbt_valid_to

    from (
        $SOURCE_SQL
    ) sbq



  );
COMMIT;
EOF
}

# dbt_run STRATEGY TARGET TMP: a run on an existing target: the staging table
# (build_snapshot_staging_table), then postgres__snapshot_merge_sql
dbt_run() {
	local c cols="" sel="" sep=""
	strategy_vars "$1"
	for c in "${SRC_COLS[@]}" dbt_updated_at dbt_valid_from dbt_valid_to dbt_scd_id; do
		cols+="$sep\"$c\""
		sel+="$sep
        DBT_INTERNAL_SOURCE.\"$c\""
		sep=", "
	done
	cat <<EOF
BEGIN;

  create temporary table "$3"
  
  
    as
  
  (
    

    with snapshot_query as (

        $SOURCE_SQL

    ),

    snapshotted_data as (

        select *, 
        id as dbt_unique_key
    
        from $DBQ."$2"
        where
            
                dbt_valid_to is null
            

    ),

    insertions_source_data as (

        select *, 
        id as dbt_unique_key
    ,
            $UPDATED_AT as dbt_updated_at,
            $UPDATED_AT as dbt_valid_from,
            
  coalesce(nullif($UPDATED_AT, $UPDATED_AT), null)
  as dbt_valid_to
,
            $SCD_ID as dbt_scd_id

        from snapshot_query
    ),

    updates_source_data as (

        select *, 
        id as dbt_unique_key
    ,
            $UPDATED_AT as dbt_updated_at,
            $UPDATED_AT as dbt_valid_from,
            $UPDATED_AT as dbt_valid_to

        from snapshot_query
    ),

    deletes_source_data as (

        select *, 
        id as dbt_unique_key
    
        from snapshot_query
    ),
    

    insertions as (

        select
            'insert' as dbt_change_type,
            source_data.*

        from insertions_source_data as source_data
        left outer join snapshotted_data on
            
                snapshotted_data.dbt_unique_key = source_data.dbt_unique_key
                where snapshotted_data.dbt_unique_key is null
                or (
                    snapshotted_data.dbt_unique_key is not null
                and (
                    $ROW_CHANGED
                )
            

        )

    ),

    updates as (

        select
            'update' as dbt_change_type,
            source_data.*,
            snapshotted_data.dbt_scd_id

        from updates_source_data as source_data
        join snapshotted_data on
            
                snapshotted_data.dbt_unique_key = source_data.dbt_unique_key
            
        where (
            $ROW_CHANGED
        )
    ),

    deletes as (

        select
            'delete' as dbt_change_type,
            source_data.*,
            $NOW_SQL as dbt_valid_from,
            $NOW_SQL as dbt_updated_at,
            $NOW_SQL as dbt_valid_to,
            snapshotted_data.dbt_scd_id

        from snapshotted_data
        left join deletes_source_data as source_data on
            
                snapshotted_data.dbt_unique_key = source_data.dbt_unique_key
                where source_data.dbt_unique_key is null
            
    )

    select * from insertions
    union all
    select * from updates
    union all
    select * from deletes

  );

    update $DBQ."$2"
    set dbt_valid_to = DBT_INTERNAL_SOURCE.dbt_valid_to
    from "$3" as DBT_INTERNAL_SOURCE
    where DBT_INTERNAL_SOURCE.dbt_scd_id::text = $DBQ."$2".dbt_scd_id::text
      and DBT_INTERNAL_SOURCE.dbt_change_type::text in ('update'::text, 'delete'::text)
      and $DBQ."$2".dbt_valid_to is null;

    insert into $DBQ."$2" ($cols)
    select $sel
    from "$3" as DBT_INTERNAL_SOURCE
    where DBT_INTERNAL_SOURCE.dbt_change_type::text = 'insert'::text;
COMMIT;
EOF
}

# dpq's first run, by strategy
dpq_build_sql() {
	if [ "$1" = check ]; then
		echo "SELECT * FROM dpq.snapshot('dim', '$2', '{id}', 'check', check_cols => '{$(IFS=,; echo "${CHECK_COLS[*]}")}', hard_deletes => 'invalidate');"
	else
		echo "SELECT * FROM dpq.snapshot('dim', '$2', '{id}', 'timestamp', updated_at => 'updated_at', hard_deletes => 'invalidate');"
	fi
}

STRATEGIES=(check timestamp)
declare -A DBT_T=([check]=dbt_check [timestamp]=dbt_ts)
declare -A DPQ_T=([check]=dpq_check [timestamp]=dpq_ts)

DPQ_SNAP=0
DPQ_HIST=0
# has_dpq_function NAME: dpq (this build) has a function of that name
has_dpq_function() {
	[ "$(psql -qAt -c "SELECT count(*) > 0 FROM pg_proc p JOIN pg_extension e ON e.extnamespace = p.pronamespace
						WHERE e.extname = 'dpq' AND p.proname = '$1'")" = t ]
}
if has_dpq_function snapshot; then DPQ_SNAP=1; fi
if has_dpq_function track_history; then DPQ_HIST=1; fi

# snapshot_round STRATEGY ROUND: the SQL of one round
snapshot_round() {
	local s=$1 r=$2 ph sys order dbt=${DBT_T[$1]} dpq=${DPQ_T[$1]} times=false tmp
	[ "$s" = check ] || times=true
	if [ "$DPQ_SNAP" = 0 ]; then order="dbt"; elif ((r % 2)); then order="dbt dpq"; else order="dpq dbt"; fi
	cat <<EOF
\\set ON_ERROR_STOP 1
\\o /dev/null
SET client_min_messages = warning;
TRUNCATE $dbt;
INSERT INTO $dbt SELECT * FROM ${dbt}_0;
VACUUM ANALYZE $dbt;
EOF
	if [ "$DPQ_SNAP" = 1 ]; then
		cat <<EOF
TRUNCATE $dpq;
INSERT INTO $dpq OVERRIDING SYSTEM VALUE SELECT * FROM ${dpq}_0;
VACUUM ANALYZE $dpq;
EOF
	fi
	echo "CHECKPOINT;"
	for ph in change nochange; do
		for sys in $order; do
			printf '\\c\nSET client_min_messages = warning;\nSELECT * FROM dim LIMIT 0;\n'
			if [ "$sys" = dbt ]; then
				# dbt's temp relation name: identifier + '__dbt_tmp' + a time string
				tmp="${dbt}__dbt_tmp$(date +%H%M%S%6N)"
				printf 'SELECT * FROM %s LIMIT 0;\n\\timing on\n' "$dbt"
				mark "snap $s $r dbt_$ph"
				dbt_run "$s" "$dbt" "$tmp"
				cat <<EOF
\\timing off
\\echo @E
INSERT INTO bench_counts
SELECT '$s', $r, '$ph', 'dbt',
	   count(*) FILTER (WHERE dbt_change_type = 'insert') - count(*) FILTER (WHERE dbt_change_type = 'update'),
	   count(*) FILTER (WHERE dbt_change_type = 'update'),
	   count(*) FILTER (WHERE dbt_change_type = 'delete'), NULL
  FROM "$tmp";
EOF
			else
				printf 'SELECT * FROM %s LIMIT 0;\n\\timing on\n' "$dpq"
				mark "snap $s $r dpq_$ph"
				echo "SELECT * FROM dpq.snapshot('$dpq'::regclass) \\gset c_"
				cat <<EOF
\\timing off
\\echo @E
INSERT INTO bench_counts VALUES ('$s', $r, '$ph', 'dpq', :c_inserted, :c_updated, :c_deleted, :c_unchanged);
EOF
			fi
		done
		echo "INSERT INTO bench_fp SELECT '$s', $r, '$ph', 'dbt', * FROM snap_fp('$dbt', 'dbt', $times);"
		[ "$DPQ_SNAP" = 0 ] || echo "INSERT INTO bench_fp SELECT '$s', $r, '$ph', 'dpq', * FROM snap_fp('$dpq', 'dpq', $times);"
	done
}

if has_part snapshot; then
	echo
	echo "part 1: snapshots (check and timestamp strategies, hard_deletes = 'invalidate')"
	[ "$DPQ_SNAP" = 1 ] || echo "  NOTE: dpq.snapshot is not installed: dbt's figures only"
	# the fingerprint of a target (see the header)
	psql -q <<'SQL'
CREATE FUNCTION snap_fp(tbl regclass, prefix text, with_times boolean,
	OUT n_current bigint, OUT n_closed bigint, OUT fp_current numeric, OUT fp_closed numeric,
	OUT n_open_deleted bigint, OUT n_key_twice bigint)
LANGUAGE plpgsql AS $$
DECLARE
	cols text := 'id, name, qty, price, since, active, code, updated_at'
				 || CASE WHEN with_times THEN ', ' || prefix || '_valid_from' ELSE '' END;
BEGIN
	EXECUTE format($q$
		SELECT count(*) FILTER (WHERE %2$I IS NULL), count(*) FILTER (WHERE %2$I IS NOT NULL),
			   coalesce(sum(h) FILTER (WHERE %2$I IS NULL), 0), coalesce(sum(h) FILTER (WHERE %2$I IS NOT NULL), 0)
		  FROM (SELECT %2$I, hashtextextended(row(%3$s)::text, 0)::numeric AS h FROM %1$s) t$q$,
		  tbl, prefix || '_valid_to', cols)
	  INTO n_current, n_closed, fp_current, fp_closed;
	EXECUTE format($q$
		SELECT count(*) FROM %1$s t WHERE t.%2$I IS NULL AND NOT EXISTS (SELECT FROM dim d WHERE d.id = t.id)$q$,
		tbl, prefix || '_valid_to')
	  INTO n_open_deleted;
	EXECUTE format($q$
		SELECT count(*) FROM (SELECT id FROM %1$s WHERE %2$I IS NULL GROUP BY id HAVING count(*) > 1) t$q$,
		tbl, prefix || '_valid_to')
	  INTO n_key_twice;
END
$$;
SQL
	echo "  building the four snapshots of dim's first state (each timed once) ..."
	t0=$SECONDS
	{
		printf '%s\n' '\set ON_ERROR_STOP 1'
		printf '%s\n' '\o /dev/null'
		echo 'SET client_min_messages = warning;'
		for s in "${STRATEGIES[@]}"; do
			printf '%s\n' '\timing on'
			mark "snap $s 0 dbt_build"
			dbt_build "$s" "${DBT_T[$s]}"
			if [ "$DPQ_SNAP" = 1 ]; then
				mark "snap $s 0 dpq_build"
				dpq_build_sql "$s" "${DPQ_T[$s]}"
			fi
			printf '%s\n' '\timing off'
			printf '%s\n' '\echo @E'
			echo "CREATE TABLE ${DBT_T[$s]}_0 AS TABLE ${DBT_T[$s]};"
			[ "$DPQ_SNAP" = 0 ] || echo "CREATE TABLE ${DPQ_T[$s]}_0 AS TABLE ${DPQ_T[$s]};"
		done
	} >"$W/build.sql"
	chmod 644 "$W/build.sql"
	out=$(psql -q -f "$W/build.sql")
	parse_times <<<"$out" >>"$W/timings.tsv"
	echo "  built in $((SECONDS - t0)) s; applying the change set (changes.sql) ..."
	psql -q -v rows="$ROWS" -f "$W/changes.sql"
	psql -qAt <<'SQL'
SELECT format('  dim now: %s rows; snapshot targets: %s', to_char(count(*), 'FM999,999,999'),
			  (SELECT string_agg(format('%s %s (%s)', c.relname, pg_size_pretty(pg_table_size(c.oid)),
										coalesce((SELECT string_agg(i.indexrelid::regclass::text, ', ')
													FROM pg_index i WHERE i.indrelid = c.oid), 'no index')),
								 ', ' ORDER BY c.relname)
				 FROM pg_class c WHERE c.relname IN ('dbt_check', 'dbt_ts', 'dpq_check', 'dpq_ts')))
  FROM dim;
SQL
	# what every change run must produce, from dim and the first state (dbt's
	# first build is a plain create table as of it): the change set's counts,
	# the current versions (dim's rows) and the closed versions (the first
	# state of the updated and deleted ids)
	psql -q -v rows="$ROWS" <<'SQL'
CREATE TABLE bench_truth AS
SELECT s.strategy,
	   (SELECT count(*) FROM dim WHERE id > :rows) AS inserts,
	   (SELECT count(*) FROM generate_series(1, :rows) g WHERE g % 100 = 7) AS updates,
	   (SELECT count(*) FROM generate_series(1, :rows) g WHERE g % 1000 = 503) AS deletes,
	   (SELECT count(*) FROM dim) AS n_current,
	   (SELECT sum(hashtextextended(CASE s.strategy
			WHEN 'check' THEN row(id, name, qty, price, since, active, code, updated_at)::text
			ELSE row(id, name, qty, price, since, active, code, updated_at, updated_at)::text END, 0)::numeric)
		  FROM dim) AS fp_current,
	   c.n_closed, c.fp_closed
  FROM (VALUES ('check'), ('timestamp')) s(strategy),
	   LATERAL (SELECT count(*) AS n_closed,
					   sum(hashtextextended(CASE s.strategy
							WHEN 'check' THEN row(id, name, qty, price, since, active, code, updated_at)::text
							ELSE row(id, name, qty, price, since, active, code, updated_at, dbt_valid_from)::text END,
							0)::numeric) AS fp_closed
				  FROM (SELECT * FROM dbt_check_0 WHERE s.strategy = 'check'
						UNION ALL
						SELECT * FROM dbt_ts_0 WHERE s.strategy = 'timestamp') f
				 WHERE id % 100 = 7 OR id % 1000 = 503) c;
SQL
	echo "  timing: per round and strategy: restore the targets, change run (dbt, dpq), no-change re-run (dbt, dpq)"
	t0=$SECONDS
	for ((r = 0; r <= ROUNDS; r++)); do
		if [ "$r" -eq 0 ]; then printf '   warm-up:'; else printf '   round %d:' "$r"; fi
		for s in "${STRATEGIES[@]}"; do
			snapshot_round "$s" "$r" >"$W/round.sql"
			chmod 644 "$W/round.sql"
			out=$(run_bg psql -q -f "$W/round.sql")
			parse_times <<<"$out" | tee -a "$W/timings.tsv" |
				awk -v s="$s" '{ printf " %s %s %.0f ms;", s, $4, $5 }'
		done
		echo
	done
	echo "  timed in $((SECONDS - t0)) s"
fi

# ---------------------------------------------------------------------------
# Part 2: the history trigger against periods' system versioning
# ---------------------------------------------------------------------------
PERIODS=0
if has_part trigger; then
	echo
	echo "part 2: history trigger: $T_UPDATES single-row UPDATEs of a $T_ROWS-row table, pgbench -c 1 -M prepared"
	PGBIN=$(psql -qAt -c "SELECT setting FROM pg_config WHERE name = 'BINDIR'")
	SHAREDIR=$(psql -qAt -c "SELECT setting FROM pg_config WHERE name = 'SHAREDIR'")
	PGMAJOR=$(psql -qAt -c "SELECT current_setting('server_version_num')::int / 10000")
	if [ ! -f "$SHAREDIR/extension/periods.control" ]; then
		if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
			echo "  the periods extension is missing: apt-get install postgresql-$PGMAJOR-periods ..."
			export DEBIAN_FRONTEND=noninteractive
			if ! apt-get install -y --no-install-recommends "postgresql-$PGMAJOR-periods" </dev/null >"$W/apt.log" 2>&1; then
				# the package lists may be missing or stale
				if ! { apt-get update </dev/null && apt-get install -y --no-install-recommends \
					"postgresql-$PGMAJOR-periods" </dev/null; } >>"$W/apt.log" 2>&1; then
					echo "  apt-get failed; end of its log:"
					tail -n 5 "$W/apt.log" | sed 's/^/    /'
				fi
			fi
		fi
	fi
	if psql -q -c 'CREATE EXTENSION IF NOT EXISTS periods CASCADE' >/dev/null 2>&1; then
		PERIODS=1
		echo "  periods $(psql -qAt -c "SELECT extversion FROM pg_extension WHERE extname = 'periods'")"
	else
		echo "  SKIPPED periods: the extension is not available (Debian: apt-get install postgresql-$PGMAJOR-periods)"
	fi
	[ "$DPQ_HIST" = 1 ] || echo "  NOTE: dpq.track_history is not installed: no dpq figure"
	VARIANTS=(plain)
	[ "$DPQ_HIST" = 0 ] || VARIANTS+=(dpq)
	[ "$PERIODS" = 0 ] || VARIANTS+=(periods)
	# the UPDATEs actually run: CHUNKS x CHUNK per variant and round
	CHUNK=$(((T_UPDATES + CHUNKS - 1) / CHUNKS))
	UPDATES=$((CHUNK * CHUNKS))
	declare -A SUM_US=()
	SOCK=$(psql -qAt -c 'SHOW unix_socket_directories')
	PORT=$(psql -qAt -c 'SHOW port')
	t0=$SECONDS
	for ((r = 0; r <= ROUNDS; r++)); do
		# three fresh tables, the same rows
		{
			printf '%s\n' '\set ON_ERROR_STOP 1'
			echo 'SET client_min_messages = warning;'
			printf '%s\n' '\o /dev/null'
			for v in "${VARIANTS[@]}"; do
				echo "CREATE TABLE trig_${v}_$r (LIKE dim INCLUDING ALL);"
				echo "INSERT INTO trig_${v}_$r SELECT * FROM dim_rows(1, $T_ROWS, now());"
			done
			[ "$DPQ_HIST" = 0 ] || echo "SELECT dpq.track_history('trig_dpq_$r');"
			if [ "$PERIODS" = 1 ]; then
				echo "SELECT periods.add_system_time_period('trig_periods_$r');"
				echo "SELECT periods.add_system_versioning('trig_periods_$r');"
			fi
			for v in "${VARIANTS[@]}"; do echo "VACUUM ANALYZE trig_${v}_$r;"; done
		} >"$W/trig_setup.sql"
		chmod 644 "$W/trig_setup.sql"
		psql -q -f "$W/trig_setup.sql"
		n=${#VARIANTS[@]}
		for v in "${VARIANTS[@]}"; do
			printf '\\set k random(1, %d)\nUPDATE trig_%s_%d SET qty = coalesce(qty, 0) + 1, updated_at = now() WHERE id = :k;\n' \
				"$T_ROWS" "$v" "$r" >"$W/update_$v.sql"
			chmod 644 "$W/update_$v.sql"
			SUM_US[$v]=0
		done
		# CHUNKS chunks of CHUNK UPDATEs per variant, interleaved, the order
		# rotating from chunk to chunk; chunk j uses the same seed (keys) for
		# every variant
		for ((j = 0; j < CHUNKS; j++)); do
			for ((i = 0; i < n; i++)); do
				v=${VARIANTS[$(((i + j + r) % n))]}
				psql -q -c 'CHECKPOINT'
				run_bg "${AS_PG[@]}" "$PGBIN/pgbench" -h "$SOCK" -p "$PORT" -n -c 1 -j 1 -t "$CHUNK" -M prepared \
					--random-seed=$((4242 + j)) -f "$W/update_$v.sql" "$BENCH_DB" </dev/null >"$W/pgbench.out" 2>&1 || {
					echo "snapshot: pgbench failed:" >&2
					cat "$W/pgbench.out" >&2
					exit 1
				}
				tps=$(awk '/^tps = / { print $3; exit }' "$W/pgbench.out")
				[ -n "$tps" ] || { echo "snapshot: no tps in pgbench's output:" >&2; cat "$W/pgbench.out" >&2; exit 1; }
				# the chunk's time in us (connection time excluded)
				SUM_US[$v]=$(awk -v s="${SUM_US[$v]}" -v t="$tps" -v c="$CHUNK" 'BEGIN { printf "%.3f", s + c * 1000000 / t }')
			done
		done
		if [ "$r" -eq 0 ]; then printf '   warm-up:'; else printf '   round %d:' "$r"; fi
		for v in "${VARIANTS[@]}"; do
			us=$(awk -v s="${SUM_US[$v]}" -v u="$UPDATES" 'BEGIN { printf "%.4f", s / u }')
			printf 'trig\t%s\t%s\tus_per_update\t%s\n' "$v" "$r" "$us" >>"$W/timings.tsv"
			printf ' %s %.1f us;' "$v" "$us"
			case "$v" in
				dpq) hist="trig_dpq_${r}_history" ;;
				periods) hist="trig_periods_${r}_history" ;;
				*) hist="" ;;
			esac
			psql -q -c "INSERT INTO bench_trig
				SELECT '$v', $r, $UPDATES, $([ -n "$hist" ] && echo "(SELECT count(*) FROM $hist)" || echo NULL),
					   sum(coalesce(qty, 0)), sum(hashtextextended(row(id, qty)::text, 0)::numeric)
				  FROM trig_${v}_$r"
		done
		echo
	done
	echo "  timed in $((SECONDS - t0)) s"
fi

echo
echo "checking answers and computing medians (report.sql) ..."
psql -q -c '\copy bench_timings FROM pstdin' <"$W/timings.tsv"
psql -q -v rounds="$ROUNDS" -v rows="$ROWS" -v nproc="$(nproc)" -v t_rows="$T_ROWS" -v t_updates="${UPDATES:-$T_UPDATES}" -v t_chunks="$CHUNKS" \
	-v dpq_snap="$DPQ_SNAP" -v dpq_hist="$DPQ_HIST" -v periods="$PERIODS" -f "$W/report.sql"
