#!/usr/bin/env python3
"""Independent oracle for the GS1 interop test.

Reads JSON lines {"id": ..., "text": ...} from the file named by argv[1], parses each text with the
PyPI package biip, and writes one JSON line per case to argv[2]:
{"id": ..., "ok": true, "fields": {"01": {"value": ...}, "17": {"value": ..., "date": "YYYY-MM-DD"}}}
or {"id": ..., "ok": false, "error": "..."}.
A case counts as rejected when biip cannot parse it or flags a check-digit error on a key.
"""
import json
import sys

from biip import ParseError, parse


def describe(text):
    try:
        result = parse(text)
    except ParseError as error:
        return {"ok": False, "error": str(error)}
    data = result.gs1_digital_link_uri if text.lower().startswith("http") else result.gs1_message
    if data is None:
        reason = result.gs1_digital_link_uri_error if text.lower().startswith("http") else result.gs1_message_error
        return {"ok": False, "error": reason or "no GS1 data"}
    fields = {}
    for element in data.element_strings:
        key_error = element.gtin_error or element.sscc_error or element.gln_error
        if key_error:
            return {"ok": False, "error": key_error}
        entry = {"value": element.value}
        if element.date is not None:
            entry["date"] = element.date.isoformat()
        fields[element.ai.ai] = entry
    return {"ok": True, "fields": fields}


def main():
    with open(sys.argv[1], encoding="utf-8") as source, open(sys.argv[2], "w", encoding="utf-8") as sink:
        for line in source:
            case = json.loads(line)
            answer = describe(case["text"])
            answer["id"] = case["id"]
            sink.write(json.dumps(answer) + "\n")


if __name__ == "__main__":
    main()
