# dpq: PGXS build plus the project's own entry points
#   make / make install     build and install the extension (PGXS)
#   make test               install what is missing, build, install, run every test
#   make demo / demo-stop   throwaway cluster with the sample warehouse
#   make bench              benchmarks (not part of make test)

EXTENSION    = dpq
MODULE_big   = dpq
EXTVERSION   = $(shell sed -n "s/^default_version *= *'\(.*\)'/\1/p" dpq.control)
OBJS         = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c src/*/*.c)))
# the install script is built from parts kept next to their C (in this order)
SQL_PARTS    = src/common/common.sql src/quality/quality.sql \
               src/masking/functions.sql src/masking/masking.sql \
               src/masking/classify.sql src/snapshot/history.sql \
               src/snapshot/snapshot.sql src/lineage/lineage.sql \
               src/lineage/export.sql
DATA_built   = dpq--$(EXTVERSION).sql
DOCS         =
PG_CPPFLAGS  = -I$(srcdir)/src/include -Wall -Wextra -Werror \
               -Wno-unused-parameter -Wno-sign-compare -Wno-missing-field-initializers

# pg_regress tests, in order (sql/NAME.sql -> expected/NAME.out); test/run drives them
REGRESS      = 001_setup 010_declare 011_run 012_proof 013_security 014_ddl 020_mask_functions 021_classify 022_masking 030_snapshot 031_history 040_lineage
REGRESS_OPTS = --temp-config=test/dpq.conf --temp-instance=./tmp_check
EXTRA_CLEAN  = results log tmp_check tmp_pgtap regression.diffs regression.out

# Debian installs one pg_config per major version; prefer 15, the target platform
PG_CONFIG ?= $(firstword $(wildcard /usr/lib/postgresql/15/bin/pg_config) pg_config)
PGXS := $(wildcard $(shell $(PG_CONFIG) --pgxs 2>/dev/null))

ifneq ($(PGXS),)
include $(PGXS)
else
all install:
	@echo "PostgreSQL server headers not found: run 'make test' or 'make demo' (they install them), or apt-get install postgresql-server-dev-15" >&2
	@exit 1
endif

dpq--$(EXTVERSION).sql: $(SQL_PARTS)
	cat $^ > $@

.PHONY: deps build-install test demo demo-stop bench

deps:
	@test/deps.sh

build-install: deps
	$(MAKE) --no-print-directory all
	$(MAKE) --no-print-directory install

test: build-install
	@PG_CONFIG="$(PG_CONFIG)" REGRESS="$(REGRESS)" test/run

demo: build-install
	@PG_CONFIG="$(PG_CONFIG)" test/demo/run start

demo-stop:
	@PG_CONFIG="$(PG_CONFIG)" test/demo/run stop

bench: build-install
	@PG_CONFIG="$(PG_CONFIG)" test/bench/run $(BENCH)
