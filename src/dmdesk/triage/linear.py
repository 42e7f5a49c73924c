"""A TF-IDF + linear classifier scored without scikit-learn at run time.

Training exports the vectoriser's vocabulary and idf and the classifier's weights; scoring
one message is a dictionary look-up and a small dot product, fast enough for the ingest path.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import numpy.typing as npt

from dmdesk.triage.features import (
    is_readable,
    occurrence_features,
    pair_feature,
    readable,
    tokens,
)

FloatArray = npt.NDArray[np.float32]


IntArray = npt.NDArray[np.int64]
_ONE = np.float32(1.0)
_NO_IDS: IntArray = np.zeros(0, dtype=np.int64)
_TOKEN_IDS_CACHE = 20_000  # distinct tokens kept per model (a few hundred bytes each)


@dataclass(frozen=True)
class Vector:
    """A message in the model's vocabulary: column indices (ascending) and weights."""

    idx: IntArray
    vals: FloatArray

    @property
    def empty(self) -> bool:
        return len(self.idx) == 0


@dataclass(frozen=True)
class LinearModel:
    """Classes, vocabulary, idf and weights (one row per class; one row for binary)."""

    classes: tuple[str, ...]
    vocab: dict[str, int]
    idf: FloatArray
    coef: FloatArray
    intercept: FloatArray
    coef_t: FloatArray = field(init=False, repr=False)
    _token_ids: dict[str, IntArray] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # row gathers on the transposed weights are much faster than column gathers
        object.__setattr__(self, "coef_t", np.ascontiguousarray(self.coef.T))
        object.__setattr__(self, "_token_ids", {})

    # Built on first use: the spam model shares the category model's vocabulary and never
    # explains or encodes, so it never builds them.
    @cached_property
    def terms(self) -> list[str]:
        """Feature names by column."""
        return sorted(self.vocab, key=self.vocab.__getitem__)

    @cached_property
    def readable_mask(self) -> npt.NDArray[np.bool_]:
        mask = np.zeros(len(self.vocab), dtype=np.bool_)
        mask[[i for t, i in self.vocab.items() if is_readable(t)]] = True
        return mask

    def vector(self, counts: Counter[str]) -> Vector:
        """The TF-IDF vector (sublinear tf, l2-normalised) of a message's feature counts."""
        get = self.vocab.get
        found = sorted((i, n) for name, n in counts.items() if (i := get(name)) is not None)
        if not found:
            return Vector(_NO_IDS, np.zeros(0, dtype=np.float32))
        ids, raw = zip(*found, strict=True)
        return self._weigh(np.array(ids, dtype=np.int64), np.array(raw, dtype=np.float32))

    def encode(self, text: str) -> Vector:
        """`vector(feature_counts(text))`, built from each distinct token's vocabulary ids,
        which are looked up once and kept: no feature strings per message."""
        toks = tokens(text)
        if not toks:
            return Vector(_NO_IDS, np.zeros(0, dtype=np.float32))
        get = self.vocab.get
        parts = [self._ids_of(t) for t in toks]
        pairs = [i for i in map(get, map(pair_feature, toks, toks[1:])) if i is not None]
        parts.append(np.array(pairs, dtype=np.int64))
        idx, raw = np.unique(np.concatenate(parts), return_counts=True)
        if len(idx) == 0:
            return Vector(_NO_IDS, np.zeros(0, dtype=np.float32))
        return self._weigh(idx.astype(np.int64), raw.astype(np.float32))

    def _ids_of(self, token: str) -> IntArray:
        ids = self._token_ids.get(token)
        if ids is None:
            if len(self._token_ids) >= _TOKEN_IDS_CACHE:
                self._token_ids.clear()
            get = self.vocab.get
            found = [i for i in map(get, occurrence_features(token)) if i is not None]
            ids = self._token_ids[token] = np.array(found, dtype=np.int64)
        return ids

    def _weigh(self, idx: IntArray, raw: FloatArray) -> Vector:
        vals: FloatArray = (np.log(raw) + _ONE) * self.idf[idx]
        norm = float(np.sqrt(vals @ vals))
        if norm > 0:
            vals /= norm
        return Vector(idx, vals)

    def proba(self, vec: Vector) -> FloatArray:
        """Class probabilities in `classes` order."""
        logits = vec.vals @ self.coef_t[vec.idx] + self.intercept
        return _to_proba(logits)

    def explain(self, vec: Vector, cls: int, *, top: int = 4) -> tuple[str, ...]:
        """The readable features that pushed the message most towards class `cls`."""
        keep = np.flatnonzero(self.readable_mask[vec.idx])
        if len(keep) == 0:
            return ()
        col = 0 if len(self.coef) == 1 else cls
        sign = -1.0 if len(self.coef) == 1 and cls == 0 else 1.0
        contrib = sign * self.coef_t[vec.idx[keep], col] * vec.vals[keep]
        order = np.argsort(-contrib)[: top * 2].tolist()
        values, kept = contrib.tolist(), keep.tolist()
        picked = [readable(self.terms[vec.idx[kept[j]]]) for j in order if values[j] > 0]
        return tuple(dict.fromkeys(picked))[:top]

    def save(self, folder: Path, name: str) -> None:
        """Weights under `name`; the vocabulary and idf under `features` (shared by models)."""
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "features.vocab.txt").write_text("\n".join(self.terms), encoding="utf-8")
        np.save(folder / "features.idf.npy", self.idf.astype(np.float32))
        np.savez(
            folder / f"{name}.npz",
            coef=self.coef.astype(np.float16),
            intercept=self.intercept.astype(np.float32),
        )
        (folder / f"{name}.classes.json").write_text(json.dumps(list(self.classes)))

    @classmethod
    def load(cls, folder: Path, name: str, *, share: LinearModel | None = None) -> LinearModel:
        """Load `name`; pass `share` to reuse an already loaded vocabulary and idf."""
        if share is None:
            terms = (folder / "features.vocab.txt").read_text(encoding="utf-8").split("\n")
            vocab = {t: i for i, t in enumerate(terms)}
            idf = np.load(folder / "features.idf.npy").astype(np.float32)
        else:
            vocab, idf = share.vocab, share.idf
        classes = tuple(json.loads((folder / f"{name}.classes.json").read_text()))
        with np.load(folder / f"{name}.npz", allow_pickle=False) as data:
            return cls(
                classes=classes,
                vocab=vocab,
                idf=idf,
                coef=np.ascontiguousarray(data["coef"].astype(np.float32)),
                intercept=data["intercept"].astype(np.float32),
            )


def _to_proba(logits: FloatArray) -> FloatArray:
    if len(logits) == 1:
        p = 1.0 / (1.0 + math.exp(-min(50.0, max(-50.0, float(logits[0])))))
        return np.array([1.0 - p, p], dtype=np.float32)
    shifted = np.exp(logits - logits.max())
    out: FloatArray = (shifted / shifted.sum()).astype(np.float32)
    return out
