"""Writes mutated copies of EPCIS XML documents, for the schema differential test.

usage: xml_mutants.py OUT_DIR PER_FILE SEED FILE...

Each mutant applies one or two random structural or value changes (delete, duplicate, swap,
move, rename, insert foreign or unqualified elements, add or drop attributes, replace text,
xsi:nil) so that some mutants stay valid and many do not. Prints one line per input file and per written file:
"<path>\t<EPCIS version>\t<root element local name>". Deterministic for a given seed.
"""
import re
from xml.dom import minidom

import mutants_common

XSI = "http://www.w3.org/2001/XMLSchema-instance"
TEXTS = ["", "not a uri", "2020-13-45T00:00:00Z", "2024-01-01T00:00:00", "2024-01-01T00:00:00+14:30",
         "2024-01-01T00:00:00.5-03:00", "-1.5", "1e3", "12", "ADD", "FLY", "urn:epc:id:sgtin:0614141.107346.2017",
         "true", "0A1B", "https://id.gs1.org/01/09521234543213/21/1"]


def elements(node):
    found = []
    for child in node.childNodes:
        if child.nodeType == child.ELEMENT_NODE:
            found.append(child)
            found.extend(elements(child))
    return found


def element_children(node):
    return [c for c in node.childNodes if c.nodeType == c.ELEMENT_NODE]


def mutate(doc, rng):
    root = doc.documentElement
    nodes = elements(root)
    if not nodes:
        return "none"
    target = rng.choice(nodes)
    parent = target.parentNode
    names = sorted({n.tagName for n in nodes})
    kind = rng.randrange(13)
    if kind == 0:
        parent.removeChild(target)
        return "delete " + target.tagName
    if kind == 1:
        parent.insertBefore(target.cloneNode(True), target.nextSibling)
        return "duplicate " + target.tagName
    if kind == 2:
        siblings = element_children(parent)
        index = siblings.index(target)
        if index + 1 < len(siblings):
            parent.insertBefore(siblings[index + 1], target)
            return "swap " + target.tagName
        return "swap-none"
    if kind == 3:
        destination = rng.choice([root] + nodes)
        if destination is target or target in elements(target) or destination in elements(target):
            return "move-none"
        parent.removeChild(target)
        destination.appendChild(target)
        return "move " + target.tagName
    if kind == 4:
        replacement = doc.createElement(rng.choice(names))
        while target.firstChild is not None:
            replacement.appendChild(target.firstChild)
        parent.replaceChild(replacement, target)
        return "rename " + target.tagName + " -> " + replacement.tagName
    if kind in (5, 6):
        if kind == 5:
            extra = doc.createElementNS("urn:example:mutant", "mx:note")
            extra.setAttribute("xmlns:mx", "urn:example:mutant")
        else:
            extra = doc.createElement("note")
        extra.appendChild(doc.createTextNode("mutant"))
        where = rng.choice([root] + nodes)
        children = element_children(where)
        where.insertBefore(extra, rng.choice(children + [None]) if children else None)
        return ("insert foreign into " if kind == 5 else "insert unqualified into ") + where.tagName
    if kind == 7:
        if rng.random() < 0.5:
            target.setAttribute("extra", "1")
        else:
            target.setAttribute("xmlns:mx", "urn:example:mutant")
            target.setAttribute("mx:extra", "1")
        return "attribute on " + target.tagName
    if kind == 8:
        holders = [n for n in [root] + nodes if n.attributes.length > 0]
        holder = rng.choice(holders) if holders else root
        names_here = [a for a in holder.attributes.keys() if not a.startswith("xmlns")]
        if names_here:
            name = rng.choice(names_here)
            holder.removeAttribute(name)
            return "drop attribute " + name
        return "drop-none"
    if kind in (9, 10, 11):
        leaves = [n for n in nodes if not element_children(n)]
        leaf = rng.choice(leaves) if leaves else target
        while leaf.firstChild is not None:
            leaf.removeChild(leaf.firstChild)
        value = rng.choice(TEXTS)
        if value:
            leaf.appendChild(doc.createTextNode(value))
        return "text of " + leaf.tagName + " = " + repr(value)
    target.setAttribute("xmlns:xsi", XSI)
    target.setAttribute("xsi:nil", "true")
    if rng.random() < 0.5:
        while target.firstChild is not None:
            target.removeChild(target.firstChild)
    return "xsi:nil on " + target.tagName


def version_and_root(text):
    body = re.sub(r"<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>", "", text, flags=re.S)
    root = re.search(r"<(?:[A-Za-z0-9_.-]+:)?([A-Za-z0-9_.-]+)[\s/>]", body).group(1)
    version = "2.0" if re.search(r"urn:epcglobal:epcis(-query|-masterdata)?:xsd:2", text) else "1.2"
    return version, root


def main():
    def load(path):
        with open(path, encoding="utf-8") as handle:
            return handle.read()

    def mutate_copy(original, rng):
        doc = minidom.parseString(original.encode("utf-8"))
        return doc, "; ".join(mutate(doc, rng) for _ in range(1 + rng.randrange(2)))

    def describe(original, changes):
        return "\t".join(version_and_root(original)) + "\t" + changes

    mutants_common.run(load, mutate_copy, lambda doc, handle: handle.write(doc.toxml()), describe)


if __name__ == "__main__":
    main()
