"""The labels fuzzy linking scores a mention against, narrowed to those that can reach the cutoff.

`fuzz.ratio` is the normalized Indel similarity, `1 - indel / (len(a) + len(b))`, so a label can reach
`cutoff` only when `indel <= (1 - cutoff) * (len(a) + len(b))`. Two cheap lower bounds of `indel` narrow
the labels before rapidfuzz scores any:

- length: `indel >= |len(a) - len(b)|`, so only a window of lengths can qualify (labels kept sorted by
  length, the window found by binary search);
- characters: every character one string has more of than the other must be inserted or deleted, so
  `indel >= sum over characters of |count_a - count_b|`. Counts are kept per label in 38 buckets (a-z,
  0-9, space, everything else: merging characters only lowers the sum, so it stays a bound), and the
  sum for every label of the window is one numpy pass.

Both are bounds, never estimates: every label that reaches the cutoff survives, in its order, so
rapidfuzz returns exactly what it would over the whole window. On the store of all shared data a MedQA
mention's length window holds about 66,000 labels and took 7-12 ms to score, holding the GIL; the
character bound leaves a median of one in forty of them (from under 1% to 16% for seven mentions
measured), and narrowing and scoring them take 3-6 ms.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789 "
BUCKETS = len(_ALPHABET) + 1
"""Character buckets: one per letter, digit and space, and one for every other character."""
_OTHER = BUCKETS - 1
_BUCKET_OF = np.full(128, _OTHER, dtype=np.uint8)
_BUCKET_OF[[ord(character) for character in _ALPHABET]] = np.arange(len(_ALPHABET), dtype=np.uint8)
_MAX_COUNT = np.iinfo(np.uint8).max


class LabelChoices:
    """Fuzzy-match forms sorted by length, with their character counts; read-only once made."""

    def __init__(self, forms: Sequence[str]) -> None:
        """Keep `forms` (sorted by length, shortest first) and count their characters."""
        self.forms = np.array(forms, dtype=object)  # the strings themselves, picked out by position
        self.lengths = np.fromiter((len(form) for form in forms), dtype=np.int32, count=len(forms))
        self.counts = character_counts(forms)

    def window(self, length: int, cutoff: float) -> range:
        """The positions of the forms whose length lets `fuzz.ratio` reach `cutoff` against `length`."""
        ratio = cutoff / (2.0 - cutoff) if cutoff > 0 else 0.0
        low = int(np.searchsorted(self.lengths, math.ceil(length * ratio), side="left"))
        if ratio == 0:
            return range(low, len(self.lengths))
        return range(low, int(np.searchsorted(self.lengths, length / ratio, side="right")))

    def candidates(self, form: str, cutoff: float) -> list[str]:
        """The forms that may reach `cutoff` against `form` by both bounds, in their stored order."""
        window = self.window(len(form), cutoff)
        if not window:
            return []
        counts = character_counts([form])[:, 0]
        if counts.max(initial=0) == _MAX_COUNT:  # a count may have been clipped: the bound would not hold
            return list(self.forms[window.start : window.stop])
        shared = np.zeros(len(window), dtype=np.int32)  # characters both have, bucket by bucket
        for bucket in np.flatnonzero(counts).tolist():
            shared += np.minimum(self.counts[bucket, window.start : window.stop], counts[bucket])
        lengths = self.lengths[window.start : window.stop]
        differing = lengths + len(form) - 2 * shared  # sum over buckets of |count_a - count_b|
        allowed = (1.0 - cutoff) * (lengths + len(form)) + 1e-6  # float slack: never drop a true hit
        keep = np.flatnonzero(differing <= allowed)
        return list(self.forms[window.start + keep])


def character_counts(forms: Sequence[str]) -> NDArray[np.uint8]:
    """Bucket counts, one row per bucket and one column per form, clipped at 255.

    A clipped count would break the bound, so `candidates` does without it for such a mention. Rows by
    bucket: a mention uses a dozen buckets, and each is one contiguous pass over the window. Forms are
    counted `COUNT_CHUNK` at a time: all at once, the 134K forms of the store of all shared data (7.8 MB
    kept) peaked at 157 MB of scratch arrays.
    """
    counts = np.empty((BUCKETS, len(forms)), dtype=np.uint8)
    for start in range(0, len(forms), COUNT_CHUNK):
        chunk = forms[start : start + COUNT_CHUNK]
        points = np.frombuffer("".join(chunk).encode("utf-32-le"), dtype=np.uint32)
        buckets = np.where(points < 128, _BUCKET_OF[np.minimum(points, 127)], _OTHER).astype(np.int64)
        owners = np.repeat(np.arange(len(chunk), dtype=np.int64), [len(form) for form in chunk])
        chunk_counts = np.bincount(buckets * len(chunk) + owners, minlength=BUCKETS * len(chunk))
        counts[:, start : start + len(chunk)] = np.minimum(chunk_counts, _MAX_COUNT).reshape(
            BUCKETS, len(chunk)
        )
    return counts


COUNT_CHUNK = 8_192
"""Forms counted in one numpy pass (`character_counts`), bounding its scratch arrays to a few MB."""
