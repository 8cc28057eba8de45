"""Scrapes a Prometheus text endpoint and parses it with prometheus-client's own parser.

Usage: scrape_metrics.py URL
Prints one JSON object: {"status": HTTP status, "content_type": ..., "samples": [[name, labels, value], ...]}.
Exits non-zero when the page does not parse: the parser is the judge of the format.
"""
import json
import sys
import urllib.error
import urllib.request

from prometheus_client.parser import text_string_to_metric_families


def main() -> int:
    url = sys.argv[1]
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            status, content_type, body = response.status, response.headers.get("content-type"), response.read()
    except urllib.error.HTTPError as error:
        print(json.dumps({"status": error.code, "content_type": error.headers.get("content-type"), "samples": []}))
        return 0
    samples = []
    for family in text_string_to_metric_families(body.decode("utf-8")):
        for sample in family.samples:
            samples.append([sample.name, dict(sample.labels), sample.value])
    print(json.dumps({"status": status, "content_type": content_type, "samples": samples}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
