-- test/bench/lineage/report.sql: the lineage benchmark's results.  Reads
-- bench_pgbench and bench_callgrind, filled by run.sh; psql variables
-- :rounds, :secs, :lineage (1 when dpq.lineage exists), :timed (1 when
-- pgbench ran), :cg (1 when callgrind ran).
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
\pset footer off
\pset null ''

CREATE TEMP TABLE targets (workload text PRIMARY KEY, ord int, label text, max_loss float8);
INSERT INTO targets VALUES
	('tpcb', 1, 'TPC-B (pgbench -b tpcb-like)', 2),
	('elt', 2, 'ELT, 4 INSERT ... SELECT in autocommit', 5),
	('elt_txn', 3, 'ELT, the 4 in one transaction', 5);

-- per workload and mode: medians of each setting, and the per-round ratios
-- on / off (both runs of a round next to each other, same random seed)
CREATE TEMP TABLE tput AS
WITH paired AS (
	SELECT f.workload, f.mode, f.round, n.tps / f.tps AS ratio
	  FROM bench_pgbench f JOIN bench_pgbench n USING (workload, mode, round)
	 WHERE f.cfg = 'off' AND n.cfg = 'on'
), med AS (
	SELECT workload, mode,
		   percentile_cont(0.5) WITHIN GROUP (ORDER BY tps) FILTER (WHERE cfg = 'off') AS off_med,
		   min(tps) FILTER (WHERE cfg = 'off') AS off_min, max(tps) FILTER (WHERE cfg = 'off') AS off_max,
		   percentile_cont(0.5) WITHIN GROUP (ORDER BY tps) FILTER (WHERE cfg = 'on') AS on_med,
		   min(tps) FILTER (WHERE cfg = 'on') AS on_min, max(tps) FILTER (WHERE cfg = 'on') AS on_max,
		   sum(runs) FILTER (WHERE cfg = 'on')::float8 / sum(xacts) FILTER (WHERE cfg = 'on') AS runs_on,
		   sum(runs) FILTER (WHERE cfg = 'off') AS runs_off
	  FROM bench_pgbench GROUP BY workload, mode
)
SELECT m.*,
	   (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ratio) FROM paired p
		 WHERE p.workload = m.workload AND p.mode = m.mode) AS ratio_med,
	   (SELECT min(ratio) FROM paired p WHERE p.workload = m.workload AND p.mode = m.mode) AS ratio_min,
	   (SELECT max(ratio) FROM paired p WHERE p.workload = m.workload AND p.mode = m.mode) AS ratio_max,
	   (SELECT string_agg(to_char(100 * (1 - ratio), 'FMS990.0'), ' ' ORDER BY round) FROM paired p
		 WHERE p.workload = m.workload AND p.mode = m.mode) AS losses
  FROM med m;

\if :timed
\echo
\if :lineage
\echo '--- throughput, dpq.lineage off vs on (tps, median of' :rounds 'runs of' :secs 's [min-max])'
\else
\echo '--- throughput, dpq.lineage NOT DEFINED: "on" and "off" are the same configuration, the figures are noise'
\endif
\echo '    loss = 1 - median over the rounds of (tps on / tps off), rounds paired; [min-max] over the rounds'
SELECT t.label AS workload, '-M ' || p.mode AS protocol,
	   to_char(p.off_med, 'FM999990') || to_char(p.off_min, ' [FM999990') || to_char(p.off_max, '-FM999990]') AS "lineage off",
	   to_char(p.on_med, 'FM999990') || to_char(p.on_min, ' [FM999990') || to_char(p.on_max, '-FM999990]') AS "lineage on",
	   to_char(100 * (1 - p.on_med / p.off_med), 'FMS990.0"%"') AS "loss (of medians)",
	   to_char(100 * (1 - p.ratio_med), 'FMS990.0"%"')
		 || to_char(100 * (1 - p.ratio_max), ' [FMS990.0"%')
		 || to_char(100 * (1 - p.ratio_min), ' to FMS990.0%]"') AS "loss (median of rounds)",
	   '<= ' || t.max_loss || '%: ' || CASE WHEN 100 * (1 - p.ratio_med) <= t.max_loss THEN 'met' ELSE 'NOT met' END AS target,
	   to_char(p.runs_on, 'FM990.00') AS "lineage runs / xact"
  FROM tput p JOIN targets t USING (workload)
 ORDER BY t.ord, p.mode DESC;
\echo 'per-round losses, in round order:'
SELECT workload || ' -M ' || mode AS workload, losses AS "loss % per round (1 - on/off)"
  FROM tput JOIN targets USING (workload) ORDER BY ord, mode DESC;
\endif

\if :cg
-- instructions per transaction: (count at N2 - count at N1) / (N2 - N1)
CREATE TEMP TABLE cg AS
WITH nn AS (
	SELECT workload, mode, min(n) AS n1, max(n) AS n2 FROM bench_callgrind GROUP BY workload, mode
), per AS (
	SELECT workload, mode, cfg,
		   (max(ir) FILTER (WHERE n = n2) - max(ir) FILTER (WHERE n = n1))::float8 / (n2 - n1) AS per_xact,
		   sum(runs)::float8 / sum(n) AS runs
	  FROM bench_callgrind JOIN nn USING (workload, mode)
	 GROUP BY workload, mode, cfg, n1, n2
)
SELECT f.workload, f.mode, f.per_xact AS off_ir, n.per_xact AS on_ir, n.runs AS runs_on
  FROM per f JOIN per n USING (workload, mode)
 WHERE f.cfg = 'off' AND n.cfg = 'on';
\echo
\echo '--- instructions per transaction (callgrind, single-user backend, difference of two run lengths)'
SELECT t.label AS workload, CASE c.mode WHEN 'simple' THEN 'literals' ELSE 'PREPARE/EXECUTE' END AS statements,
	   to_char(c.off_ir, 'FM999,999,990') AS "lineage off",
	   to_char(c.on_ir, 'FM999,999,990') AS "lineage on",
	   to_char(c.on_ir - c.off_ir, 'FMS999,999,990') AS "on - off",
	   to_char(100 * (c.on_ir / c.off_ir - 1), 'FMS990.00"%"') AS "%",
	   to_char(c.runs_on, 'FM990.00') AS "lineage runs / xact"
  FROM cg c JOIN targets t USING (workload)
 ORDER BY t.ord, c.mode DESC;
\endif
