# Parses a Prometheus text file with the official Python client's parser and prints what it read as
# JSON: {"metric": {"type": ..., "samples": [[sample name, {labels}, value], ...]}}. MetricsFileTest runs it.
import json
import sys

from prometheus_client.parser import text_string_to_metric_families

with open(sys.argv[1], encoding="utf-8") as f:
    text = f.read()
out = {}
for family in text_string_to_metric_families(text):
    out[family.name] = {
        "type": family.type,
        "help": family.documentation,
        "samples": [[s.name, s.labels, s.value] for s in family.samples],
    }
json.dump(out, sys.stdout)
