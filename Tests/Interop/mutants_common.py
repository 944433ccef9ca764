"""What the two mutation generators share: the command line and the file loop."""
import os
import random
import sys


def run(load, mutate_copy, save, describe=None):
    """usage: <script> OUT_DIR PER_FILE SEED FILE...

    For each input file: `load(path)` gives the original; for each copy `mutate_copy(original,
    rng)` gives (mutant, changes) and `save(mutant, handle)` writes it. Prints one line per
    written file (and, with `describe`, one per input first).
    """
    out_dir, per_file, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rng = random.Random(seed)
    os.makedirs(out_dir, exist_ok=True)
    for number, path in enumerate(sys.argv[4:]):
        original = load(path)
        if describe:
            print(path + "\t" + describe(original, "original"))
        for copy_number in range(per_file):
            mutant, changes = mutate_copy(original, rng)
            name = os.path.join(out_dir, "m%04d-%02d-%s" % (number, copy_number, os.path.basename(path)))
            with open(name, "w", encoding="utf-8") as handle:
                save(mutant, handle)
            print(name + ("\t" + describe(original, changes) if describe else ""))
