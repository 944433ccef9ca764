"""Writes mutated copies of EPCIS JSON-LD documents, for the JSON schema differential test.

usage: json_mutants.py OUT_DIR PER_FILE SEED FILE...

Each mutant applies one or two random changes (delete a member, add a known, CURIE or plain
member, replace a value with one of another type or an unusual string, empty or duplicate an
array, move a member to another object) so that some mutants stay valid and many do not.
Prints the path of each written file. Deterministic for a given seed.
"""
import copy
import json

import mutants_common

VALUES = ["", "not a uri", "urn:epc:id:sgtin:0614141.107346.2017", "https://example.com/x", "2024-01-01T00:00:00Z",
          "2024-01-01T00:00:00", "2024-02-30T00:00:00Z", "+14:00", "+14:30", "ADD", "DELETE", "OBSERVE",
          "shipping", "urn:epcglobal:cbv:bizstep:shipping", "in_transit", "owning_party", "po", "KGM", "kgm",
          "Temperature", "gs1:Temperature", "ex:custom", "0A1B", 0, -1.5, 12, True, None, [], {}, ["x"],
          "ObjectEvent", "2.0", "2.0.1a", "urn:uuid:6c4c6e4e-0000-4000-8000-000000000001"]
NAMES = ["epcList", "action", "bizStep", "ilmd", "quantityList", "readPoint", "type", "id", "ex:note",
         "note", "@context", "sensorReport", "eventTimeZoneOffset", "transformationID", "parentID",
         "persistentDisposition", "set", "unset", "uom", "value", "https://example.com/ext"]


def containers(value, found):
    if isinstance(value, (dict, list)):
        found.append(value)
        for child in (value.values() if isinstance(value, dict) else value):
            containers(child, found)
    return found


def mutate(document, rng):
    places = containers(document, [])
    target = rng.choice(places)
    kind = rng.randrange(7)
    if isinstance(target, dict) and target:
        key = rng.choice(list(target))
        if kind == 0:
            del target[key]
            return "delete " + key
        if kind == 1:
            target[rng.choice(NAMES)] = copy.deepcopy(rng.choice(VALUES))
            return "add member"
        if kind in (2, 3):
            target[key] = copy.deepcopy(rng.choice(VALUES))
            return "replace " + key
        if kind == 4:
            others = [p for p in places if isinstance(p, dict) and p is not target]
            if others:
                rng.choice(others)[key] = target.pop(key)
                return "move " + key
    if isinstance(target, list):
        if kind in (0, 1) and target:
            target.append(copy.deepcopy(rng.choice(target)))
            return "duplicate item"
        if kind == 2:
            target.clear()
            return "empty list"
        if target:
            target[rng.randrange(len(target))] = copy.deepcopy(rng.choice(VALUES))
            return "replace item"
    return "none"


def main():
    def load(path):
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)

    def mutate_copy(original, rng):
        document = copy.deepcopy(original)
        return document, [mutate(document, rng) for _ in range(1 + rng.randrange(2))]

    mutants_common.run(load, mutate_copy, lambda document, handle: json.dump(document, handle, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
