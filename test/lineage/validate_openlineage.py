#!/usr/bin/env python3
"""Validate the OpenLineage events of dpq.lineage_openlineage().

    validate_openlineage.py [--min-events N] EVENTS.jsonl

EVENTS.jsonl holds one event (a JSON object) per line, as
`psql -At -c 'SELECT dpq.lineage_openlineage()'` writes them.  Each event is
checked against:

  - OpenLineage.json (spec 2-0-2), as a whole and as a RunEvent;
  - the facet schemas kept in test/lineage/openlineage/facets (SQLJobFacet for
    job.facets, ColumnLineageDatasetFacet for every dataset's facets) and
    dpq's own doc/openlineage/DpqRunFacet.json for run.facets;
  - the required properties of the other standard facets dpq writes
    (processing_engine, jobType, schema, outputStatistics), whose schemas are
    not kept here;
  - what dpq promises beyond the schemas: eventType COMPLETE, one producer
    for the event and its facets, a columnLineage facet on every output,
    input fields that name input datasets, DIRECT/INDIRECT transformations
    with dpq's subtypes, run ids unique across the file.

Formats (uuid, date-time, uri) are checked by this script's own checkers, so
the result does not depend on which optional packages jsonschema finds.
Works with Debian bookworm's python3-jsonschema (4.10) and later versions.

Prints one TAP line per event ("ok N - ..." / "not ok N - ..." with the
errors as "#" lines below it), then the plan "1..N".  Exit status 0 when
every event is valid and there are at least --min-events of them.
"""

import argparse
import datetime
import json
import os
import re
import sys
import uuid

import jsonschema

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SCHEMA_DIR = os.path.join(HERE, "openlineage")
DPQ_FACET = os.path.join(ROOT, "doc", "openlineage", "DpqRunFacet.json")

DRAFT = "https://json-schema.org/draft/2020-12/schema"
OL_ID = "https://openlineage.io/spec/2-0-2/OpenLineage.json"
RUN_EVENT_URL = OL_ID + "#/$defs/RunEvent"

# facet key -> _schemaURL dpq writes (facets without a local schema are
# checked by the small REQUIRED table below)
FACET_URLS = {
    "sql": "https://openlineage.io/spec/facets/1-1-0/SQLJobFacet.json#/$defs/SQLJobFacet",
    "jobType": "https://openlineage.io/spec/facets/2-0-3/JobTypeJobFacet.json#/$defs/JobTypeJobFacet",
    "processing_engine": "https://openlineage.io/spec/facets/1-1-1/ProcessingEngineRunFacet.json#/$defs/ProcessingEngineRunFacet",
    "columnLineage": "https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json#/$defs/ColumnLineageDatasetFacet",
    "schema": "https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet",
    "outputStatistics": "https://openlineage.io/spec/facets/1-0-2/OutputStatisticsOutputDatasetFacet.json#/$defs/OutputStatisticsOutputDatasetFacet",
}
DPQ_FACET_URL = re.compile(
    r"^https://github\.com/dpq/dpq/blob/[^/]+/doc/openlineage/DpqRunFacet\.json#/\$defs/DpqRunFacet$")

# facet key -> {property: python type} that must be there (documented
# required properties of the facet versions named in FACET_URLS)
REQUIRED = {
    "processing_engine": {"version": str},
    "jobType": {"processingType": str, "integration": str},
    "schema": {"fields": list},
    "outputStatistics": {"rowCount": int},
}

SUBTYPES = {
    "DIRECT": {"IDENTITY", "TRANSFORMATION", "AGGREGATION"},
    "INDIRECT": {"JOIN", "FILTER", "GROUP_BY", "SORT", "WINDOW", "CONDITIONAL"},
}

# --------------------------------------------------------------------------
# formats
# --------------------------------------------------------------------------
FORMATS = jsonschema.FormatChecker(formats=())

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# RFC 3339 date-time (what JSON Schema's "date-time" means)
DATE_TIME_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
# RFC 3986 absolute URI: a scheme, then no spaces or control characters
URI_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s\x00-\x1f\x7f]*$")


@FORMATS.checks("uuid", raises=ValueError)
def is_uuid(value):
    if not isinstance(value, str):
        return True
    if not UUID_RE.match(value):
        raise ValueError("not a lower-case 8-4-4-4-12 UUID")
    uuid.UUID(value)
    return True


@FORMATS.checks("date-time", raises=ValueError)
def is_date_time(value):
    if not isinstance(value, str):
        return True
    m = DATE_TIME_RE.match(value)
    if not m:
        raise ValueError("not an RFC 3339 date-time with an offset")
    year, month, day, hour, minute, second = (int(m.group(i)) for i in range(1, 7))
    datetime.datetime(year, month, day, hour, minute, min(second, 59))
    off = m.group(8)
    if off not in ("Z", "z") and (int(off[1:3]) > 23 or int(off[4:6]) > 59):
        raise ValueError("bad offset")
    return True


@FORMATS.checks("uri", raises=ValueError)
def is_uri(value):
    if not isinstance(value, str):
        return True
    if not URI_RE.match(value):
        raise ValueError("not an absolute URI")
    return True


def parse_time(value):
    return datetime.datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))


# --------------------------------------------------------------------------
# schemas: a local registry of every $id, no network
# --------------------------------------------------------------------------
def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def local_schemas():
    docs = [load(os.path.join(SCHEMA_DIR, "OpenLineage.json"))]
    facets = os.path.join(SCHEMA_DIR, "facets")
    for name in sorted(os.listdir(facets)):
        if name.endswith(".json"):
            docs.append(load(os.path.join(facets, name)))
    docs.append(load(DPQ_FACET))
    return {d["$id"]: d for d in docs}


class Validators:
    """Draft 2020-12 validators that resolve $ref through the local store
    (referencing.Registry on jsonschema >= 4.18, RefResolver before)."""

    def __init__(self, store):
        self.store = store
        try:
            import referencing
            import referencing.jsonschema
            resources = [(uri, referencing.Resource.from_contents(doc))
                         for uri, doc in store.items()]
            self.registry = referencing.Registry().with_resources(resources)
        except ImportError:
            self.registry = None

    def make(self, schema):
        cls = jsonschema.Draft202012Validator
        cls.check_schema(schema)
        if self.registry is not None:
            return cls(schema, registry=self.registry, format_checker=FORMATS)
        resolver = jsonschema.RefResolver.from_schema(schema, store=self.store)
        return cls(schema, resolver=resolver, format_checker=FORMATS)


def short(text, limit=300):
    return text if len(text) <= limit else text[:limit] + "..."


def schema_errors(validator, instance, what):
    out = []
    for err in sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path)):
        # oneOf / anyOf: the message quotes the whole instance; say instead
        # what made the closest branch fail
        if err.context:
            err = jsonschema.exceptions.best_match(err.context)
        path = "/".join(str(p) for p in err.absolute_path)
        out.append("%s: %s: %s" % (what, path or "(top)", short(err.message)))
    return out


# --------------------------------------------------------------------------
# one event
# --------------------------------------------------------------------------
def check_facets(facets, where, producer, errors):
    for key, facet in (facets or {}).items():
        if not isinstance(facet, dict):
            errors.append("%s.%s: not an object" % (where, key))
            continue
        if facet.get("_producer") != producer:
            errors.append("%s.%s: _producer %r is not the event's producer" % (where, key, facet.get("_producer")))
        url = facet.get("_schemaURL")
        if key == "dpq_run":
            if not isinstance(url, str) or not DPQ_FACET_URL.match(url):
                errors.append("%s.%s: unexpected _schemaURL %r" % (where, key, url))
        elif key in FACET_URLS:
            if url != FACET_URLS[key]:
                errors.append("%s.%s: _schemaURL %r, expected %r" % (where, key, url, FACET_URLS[key]))
        else:
            errors.append("%s.%s: a facet dpq does not write" % (where, key))
        for prop, typ in REQUIRED.get(key, {}).items():
            val = facet.get(prop)
            if not isinstance(val, typ) or isinstance(val, bool):
                errors.append("%s.%s: %s missing or not %s" % (where, key, prop, typ.__name__))
        if key == "schema":
            for i, field in enumerate(facet.get("fields") or []):
                if not isinstance(field, dict) or not isinstance(field.get("name"), str):
                    errors.append("%s.schema.fields[%d]: no name" % (where, i))


def check_input_field(f, where, inputs, errors):
    if (f.get("namespace"), f.get("name")) not in inputs:
        errors.append("%s: %s/%s is not one of the event's inputs" % (where, f.get("namespace"), f.get("name")))
    trs = f.get("transformations")
    if not isinstance(trs, list) or not trs:
        errors.append("%s: no transformations" % where)
        return
    seen = set()
    for t in trs:
        typ, sub = t.get("type"), t.get("subtype")
        if typ not in SUBTYPES:
            errors.append("%s: transformation type %r" % (where, typ))
        elif sub not in SUBTYPES[typ]:
            errors.append("%s: subtype %r is not a %s subtype" % (where, sub, typ))
        if t.get("masking") is not False:
            errors.append("%s: masking should be false" % where)
        if (typ, sub) in seen:
            errors.append("%s: transformation %s/%s twice" % (where, typ, sub))
        seen.add((typ, sub))
    if len([t for t in trs if t.get("type") == "DIRECT"]) > 1:
        errors.append("%s: more than one DIRECT transformation" % where)


def check_event(ev, v, run_ids):
    errors = []
    errors += schema_errors(v["spec"], ev, "OpenLineage.json")
    errors += schema_errors(v["run_event"], ev, "RunEvent")
    if errors:
        return errors   # the checks below assume the shape

    producer = ev.get("producer")
    if ev.get("eventType") != "COMPLETE":
        errors.append("eventType %r, expected COMPLETE" % ev.get("eventType"))
    if ev.get("schemaURL") != RUN_EVENT_URL:
        errors.append("schemaURL %r, expected %r" % (ev.get("schemaURL"), RUN_EVENT_URL))
    if not re.match(r"^https://github\.com/dpq/dpq/tree/[^/]+$", producer or ""):
        errors.append("producer %r" % producer)

    run, job = ev["run"], ev["job"]
    if run["runId"] in run_ids:
        errors.append("runId %s already used by another event" % run["runId"])
    run_ids.add(run["runId"])

    rf = run.get("facets") or {}
    errors += schema_errors(v["dpq_run"], rf, "DpqRunFacet.json")
    check_facets(rf, "run.facets", producer, errors)
    if "dpq_run" not in rf:
        errors.append("run.facets: no dpq_run facet")
    elif "startedAt" in rf["dpq_run"] and parse_time(rf["dpq_run"]["startedAt"]) > parse_time(ev["eventTime"]):
        errors.append("run.facets.dpq_run.startedAt is after eventTime")

    jf = job.get("facets") or {}
    errors += schema_errors(v["sql"], jf, "SQLJobFacet.json")
    check_facets(jf, "job.facets", producer, errors)
    if "jobType" not in jf:
        errors.append("job.facets: no jobType facet")

    inputs = set()
    for i, ds in enumerate(ev.get("inputs") or []):
        where = "inputs[%d]" % i
        if (ds["namespace"], ds["name"]) in inputs:
            errors.append("%s: %s/%s listed twice" % (where, ds["namespace"], ds["name"]))
        inputs.add((ds["namespace"], ds["name"]))
        errors += schema_errors(v["column_lineage"], ds.get("facets") or {}, where + " ColumnLineageDatasetFacet.json")
        check_facets(ds.get("facets"), where + ".facets", producer, errors)
        if "columnLineage" in (ds.get("facets") or {}):
            errors.append("%s: columnLineage on an input" % where)

    outputs = ev.get("outputs") or []
    if not outputs:
        errors.append("no outputs")
    seen = set()
    for i, ds in enumerate(outputs):
        where = "outputs[%d]" % i
        if (ds["namespace"], ds["name"]) in seen:
            errors.append("%s: %s/%s listed twice" % (where, ds["namespace"], ds["name"]))
        seen.add((ds["namespace"], ds["name"]))
        facets = ds.get("facets") or {}
        errors += schema_errors(v["column_lineage"], facets, where + " ColumnLineageDatasetFacet.json")
        check_facets(facets, where + ".facets", producer, errors)
        check_facets(ds.get("outputFacets"), where + ".outputFacets", producer, errors)
        cl = facets.get("columnLineage")
        if cl is None:
            errors.append("%s: no columnLineage facet" % where)
            continue
        for col, spec in cl.get("fields", {}).items():
            if not spec.get("inputFields"):
                errors.append("%s.columnLineage.fields.%s: no inputFields" % (where, col))
            for j, f in enumerate(spec.get("inputFields", [])):
                check_input_field(f, "%s.columnLineage.fields.%s[%d]" % (where, col, j), inputs, errors)
        for j, f in enumerate(cl.get("dataset", [])):
            wj = "%s.columnLineage.dataset[%d]" % (where, j)
            check_input_field(f, wj, inputs, errors)
            if any(t.get("type") != "INDIRECT" for t in f.get("transformations", [])):
                errors.append("%s: a dataset-level transformation that is not INDIRECT" % wj)
    return errors


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("events", help="file with one JSON event per line")
    ap.add_argument("--min-events", type=int, default=1,
                    help="fail when the file holds fewer events (default 1)")
    args = ap.parse_args()

    store = local_schemas()
    vs = Validators(store)
    v = {
        "spec": vs.make(store[OL_ID]),
        "run_event": vs.make({"$schema": DRAFT, "$ref": RUN_EVENT_URL}),
        "sql": vs.make(store["https://openlineage.io/spec/facets/1-1-0/SQLJobFacet.json"]),
        "column_lineage": vs.make(store["https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json"]),
        "dpq_run": vs.make(load(DPQ_FACET)),
    }

    n = failed = 0
    run_ids = set()
    with open(args.events, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            n += 1
            try:
                ev = json.loads(line)
            except ValueError as e:
                print("not ok %d - line %d is not JSON: %s" % (n, lineno, e))
                failed += 1
                continue
            errors = check_event(ev, v, run_ids)
            try:
                label = "run %s (%s, %s)" % (ev["run"]["facets"]["dpq_run"]["runId"], ev["job"]["name"],
                                             ev["job"]["facets"]["jobType"]["jobType"])
            except (KeyError, TypeError):
                label = "line %d" % lineno
            if errors:
                failed += 1
                print("not ok %d - %s" % (n, label))
                for e in errors:
                    print("#   " + e)
            else:
                print("ok %d - %s is a valid OpenLineage RunEvent" % (n, label))
    if n < args.min_events:
        n += 1
        failed += 1
        print("not ok %d - at least %d events (the file has %d)" % (n, args.min_events, n - 1))
    print("1..%d" % n)
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
