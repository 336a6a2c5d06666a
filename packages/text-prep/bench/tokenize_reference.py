"""Python reference for bench/tokenize.bench.ts: the chapter's approach.

Reads every labeled review from the IMDb archive (tarfile, streamed), tokenizes
with ``re.split(r'\\W+', text)`` (empty strings dropped), counts with
``collections.Counter``, builds a first-seen vocabulary the way tfds
``TokenTextEncoder`` numbers it (0 padding, 1..n tokens, n+1 out of vocabulary)
and encodes every review. Prints one JSON object on stdout.

Usage: python3 bench/tokenize_reference.py [path/to/aclImdb-labeled.tar.gz]
"""

import collections
import json
import re
import resource
import sys
import tarfile
import time
from pathlib import Path

REVIEW = re.compile(r"(?:^|/)(train|test)/(pos|neg)/(\d+)_(\d+)\.txt$")
SPLIT = re.compile(r"\W+")


def main() -> None:
    default = Path(__file__).resolve().parents[4] / "shared" / "data" / "aclImdb-labeled.tar.gz"
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    t0 = time.perf_counter()
    c0 = time.process_time()

    texts = []
    text_bytes = 0
    with tarfile.open(path, mode="r|gz") as archive:
        for member in archive:
            if not member.isfile() or REVIEW.search(member.name) is None:
                continue
            raw = archive.extractfile(member).read()
            text_bytes += len(raw)
            texts.append(raw.decode("utf-8"))
    t1 = time.perf_counter()

    counter = collections.Counter()
    for text in texts:
        counter.update(t for t in SPLIT.split(text) if t)
    t2 = time.perf_counter()

    vocab = list(counter)  # first-seen order, as tfds TokenTextEncoder(vocab_list=Counter)
    ids = {token: i + 1 for i, token in enumerate(vocab)}
    oov = len(vocab) + 1
    t3 = time.perf_counter()

    encoded_ids = 0
    for text in texts:
        encoded = [ids.get(t, oov) for t in SPLIT.split(text) if t]
        encoded_ids += len(encoded)
    t4 = time.perf_counter()
    c4 = time.process_time()

    print(json.dumps({
        "reviews": len(texts),
        "textMB": text_bytes / 1e6,
        "readSeconds": t1 - t0,
        "tokenizeCountSeconds": t2 - t1,
        "vocabularySeconds": t3 - t2,
        "encodeSeconds": t4 - t3,
        "totalSeconds": t4 - t0,
        "cpuSeconds": c4 - c0,
        "distinctTokens": len(counter),
        "tokens": sum(counter.values()),
        "encodedIds": encoded_ids,
        "peakRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


if __name__ == "__main__":
    main()
