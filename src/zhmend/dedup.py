"""Near-duplicate clustering of mended text: normalise, shingle, MinHash, LSH, verify, join.

Content farms republish one article many times under different obfuscation. On the raw pages
the copies share few character shingles; after mending they are the same text. This module
is the pure logic (no files, no processes): sketches of documents in, clusters out. The
engines (the local loop in :func:`cluster`, the Ray shuffle in ``zhmend.dedup_ray``) are
built from the same small functions, so they find the same clusters.

Steps, each a function here:

1. :func:`normalise` folds width, case, punctuation, symbols and whitespace away;
   :func:`comparison_key` also folds traditional characters to simplified.
2. :func:`sketch_batch` gives each document a status (``ok``, ``empty``, ``short``), its
   length, a 128-bit digest of the normalised text (exact duplicates) and a MinHash
   signature over character n-gram shingles (computed by ``rensa``).
3. Exact duplicates are joined first: each document after the first of its digest is an edge
   to that first one, and only the first goes on to LSH.
4. :func:`band_keys` cuts each signature into bands; documents sharing a band key in the
   same band are candidates (:func:`bucket_pairs`).
5. :func:`verify` keeps a candidate pair when its estimated Jaccard similarity reaches the
   threshold.
6. Connected components over the edges; the cluster id is the smallest document index in the
   component, and :func:`rank_key` picks the representative.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, fields
from functools import lru_cache
from typing import Any

import regex

from .errors import ConfigError, ZhmendError

STATUSES = ("ok", "empty", "short")

_NOT_WORD = regex.compile(r"[^\p{L}\p{N}]+")

#: Candidate pairs per bucket: each member is compared with the next ``BUCKET_WINDOW``
#: members (by index). Buckets of near-duplicates are small, so this is "all pairs" for
#: them; a huge bucket (boilerplate shared by thousands of pages) costs linear, not
#: quadratic, work, and its members are still joined through overlapping windows.
BUCKET_WINDOW = 64

#: Pip hint shown when the optional clustering dependencies are missing.
INSTALL_HINT = "near-duplicate clustering needs rensa and numpy: pip install 'zhmend[dedup]'"


class MissingDependency(ZhmendError):
    """An optional dependency of a feature is not installed; the message says what to run."""


def _np():
    try:
        import numpy
    except ImportError:  # pragma: no cover - depends on the environment
        raise MissingDependency(INSTALL_HINT) from None
    return numpy


def _rensa():
    try:
        import rensa
    except ImportError:  # pragma: no cover - depends on the environment
        raise MissingDependency(INSTALL_HINT) from None
    return rensa


@dataclass(frozen=True)
class DedupConfig:
    """Options of near-duplicate clustering. Same options and seed, same clusters."""

    #: Estimated Jaccard similarity of shingle sets at or above which two documents are
    #: near-duplicates. Lower merges more (risk: two reports from one template, e.g. two
    #: days of weather, share most shingles; 0.8 keeps them apart in our tests).
    threshold: float = 0.8
    #: Characters per shingle. Five Han characters are about two words: short enough to
    #: survive small edits, long enough that unrelated news shares few.
    ngram: int = 5
    #: MinHash permutations. The standard error of the similarity estimate is about
    #: sqrt(J(1-J)/num_perm): 0.035 at J=0.8 with 128.
    num_perm: int = 128
    #: Seed of the MinHash permutations.
    seed: int = 1
    #: Compare in simplified characters (OpenCC t2s on the comparison key only; records are
    #: never changed). A farm copy that was only converted to traditional, with no other
    #: trace, is left traditional by ``mend`` (no evidence to act on) yet is still a copy.
    #: Risk: a text and its traditional edition are one cluster, which is what a copy is.
    fold_script: bool = True
    #: Documents whose normalised text has fewer characters are not clustered (status
    #: ``short``): a few characters say nothing about being a copy.
    min_chars: int = 20

    def __post_init__(self) -> None:
        if not isinstance(self.threshold, (int, float)) or not 0.0 < self.threshold <= 1.0:
            raise ConfigError(f"threshold must be in (0, 1], not {self.threshold!r}")
        for name in ("ngram", "num_perm", "min_chars"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"{name} must be a positive integer, not {value!r}")
        if not isinstance(self.fold_script, bool):
            raise ConfigError(f"fold_script must be True or False, not {self.fold_script!r}")
        if not isinstance(self.seed, int) or isinstance(self.seed, bool) or self.seed < 0:
            raise ConfigError(f"seed must be a non-negative integer, not {self.seed!r}")
        if self.min_chars < self.ngram:
            raise ConfigError(f"min_chars ({self.min_chars}) must be at least ngram ({self.ngram})")

    @classmethod
    def build(cls, **options: Any) -> DedupConfig:
        names = [f.name for f in fields(cls)]
        unknown = sorted(set(options) - set(names))
        if unknown:
            raise ConfigError(
                f"unknown option(s) {', '.join(unknown)}; valid options: {', '.join(names)}"
            )
        return cls(**options)

    @property
    def bands(self) -> int:
        return lsh_shape(self.threshold, self.num_perm)[0]

    @property
    def rows(self) -> int:
        return lsh_shape(self.threshold, self.num_perm)[1]

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "bands": self.bands, "rows": self.rows}


# --------------------------------------------------------------------------------------
# Text to sketch


def normalise(text: str) -> str:
    """Fold what copies of one article differ in without being different articles.

    NFKC folds full-width forms, casefold folds Latin case, and every character that is
    not a letter or a digit (punctuation, symbols, emoji, whitespace, controls) is dropped.
    """
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text).casefold())


def comparison_key(text: str, config: DedupConfig) -> str:
    """The text that is hashed and shingled: normalised, and in simplified characters."""
    norm = normalise(text)
    if config.fold_script and norm:
        from .tables import convert

        norm = convert(norm, "t2s")
    return norm


def shingle_list(normalised: str, n: int) -> list[str]:
    """Character n-grams in order, repeats kept (MinHash ignores them; no set to build)."""
    if len(normalised) <= n:
        return [normalised] if normalised else []
    return [normalised[i : i + n] for i in range(len(normalised) - n + 1)]


def shingles(normalised: str, n: int) -> set[str]:
    """Character n-grams of ``normalised`` (the whole text when shorter than n)."""
    if len(normalised) <= n:
        return {normalised} if normalised else set()
    return {normalised[i : i + n] for i in range(len(normalised) - n + 1)}


def digest(normalised: str) -> bytes:
    """128-bit hash of the normalised text: equal digests are exact duplicates.

    128 bits keep the chance of one false collision among 10^9 documents below 10^-20.
    """
    return hashlib.blake2b(normalised.encode("utf-8"), digest_size=16).digest()


def status_of(normalised: str, config: DedupConfig) -> str:
    if not normalised:
        return "empty"
    if len(normalised) < config.min_chars:
        return "short"
    return "ok"


@dataclass(frozen=True)
class Sketches:
    """Per-document facts for clustering, in input order (row i is document i of the batch).

    ``signatures`` rows of documents that are not ``ok`` are all 0xFFFFFFFF (never used).
    Memory is about ``num_perm * 4 + 40`` bytes per document, whatever the text length.
    """

    status: Any  # numpy array of str (one of STATUSES)
    length: Any  # numpy int64: characters of the text as given
    digests: Any  # numpy 'S16'
    signatures: Any  # numpy uint32, shape (n, num_perm)

    def __len__(self) -> int:
        return len(self.status)

    @staticmethod
    def concat(parts: Sequence[Sketches], num_perm: int) -> Sketches:
        np = _np()
        if not parts:
            return Sketches(
                np.array([], dtype="U5"),
                np.array([], dtype=np.int64),
                np.array([], dtype="S16"),
                np.empty((0, num_perm), dtype=np.uint32),
            )
        return Sketches(
            np.concatenate([p.status for p in parts]),
            np.concatenate([p.length for p in parts]),
            np.concatenate([p.digests for p in parts]),
            np.concatenate([p.signatures for p in parts]),
        )


def sketch_batch(texts: Iterable[str], config: DedupConfig) -> Sketches:
    """Sketch every text (a batch: one call into rensa for all signatures)."""
    np = _np()
    rensa = _rensa()
    status: list[str] = []
    length: list[int] = []
    digests: list[bytes] = []
    token_sets: list[list[str]] = []
    ok_rows: list[int] = []
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"document {i}: text must be str, not {type(text).__name__}")
        norm = comparison_key(text, config)
        st = status_of(norm, config)
        status.append(st)
        length.append(len(text))
        digests.append(digest(norm))
        if st == "ok":
            ok_rows.append(i)
            token_sets.append(shingle_list(norm, config.ngram))
    sigs = np.full((len(status), config.num_perm), 0xFFFFFFFF, dtype=np.uint32)
    if token_sets:
        matrix = rensa.RMinHash.digest_matrix_from_token_sets(
            token_sets, config.num_perm, config.seed
        )
        sigs[ok_rows] = np.asarray(matrix.to_rows(), dtype=np.uint32)
    return Sketches(
        np.array(status, dtype="U5"),
        np.array(length, dtype=np.int64),
        np.array(digests, dtype="S16"),
        sigs,
    )


# --------------------------------------------------------------------------------------
# LSH


@lru_cache(maxsize=64)
def lsh_shape(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows) with bands*rows <= num_perm that rarely misses a pair above threshold.

    Minimises 0.1 * P(candidate | J < t) + 0.9 * P(missed | J >= t), integrated over J.
    False candidates only cost a verification, missed pairs cost recall, hence the weights.
    """

    def integral(f, lo: float, hi: float, steps: int = 200) -> float:
        if hi <= lo:
            return 0.0
        h = (hi - lo) / steps
        total = (f(lo) + f(hi)) / 2 + sum(f(lo + k * h) for k in range(1, steps))
        return total * h

    best: tuple[float, int, int] | None = None
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            fp = integral(lambda j, b=b, r=r: 1 - (1 - j**r) ** b, 0.0, threshold)
            fn = integral(lambda j, b=b, r=r: (1 - j**r) ** b, threshold, 1.0)
            cost = 0.1 * fp + 0.9 * fn
            if best is None or cost < best[0] - 1e-12:
                best = (cost, b, r)
    assert best is not None
    return best[1], best[2]


# Odd 64-bit multipliers (from splitmix64) for mixing band rows into one key. A collision
# between two different bands only adds a candidate pair, which verification then rejects.
_MIX = (0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB)


def band_keys(signatures, bands: int, rows: int):
    """uint64 key of each band of each signature, shape (n, bands)."""
    np = _np()
    n = signatures.shape[0]
    cut = signatures[:, : bands * rows].reshape(n, bands, rows).astype(np.uint64)
    key = np.zeros((n, bands), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(rows):
            key = (key ^ cut[:, :, j]) * np.uint64(_MIX[0])
            key ^= key >> np.uint64(31)
            key *= np.uint64(_MIX[1])
        key ^= np.arange(bands, dtype=np.uint64) * np.uint64(_MIX[2])
    return key


def bucket_pairs(members: Sequence[int]) -> list[tuple[int, int]]:
    """Candidate pairs ``(a, b)``, ``a < b``, among the documents of one bucket."""
    ids = sorted(set(int(m) for m in members))
    out = []
    for i, a in enumerate(ids):
        for b in ids[i + 1 : i + 1 + BUCKET_WINDOW]:
            out.append((a, b))
    return out


def similarity(sig_a, sig_b) -> float:
    """Estimated Jaccard similarity: the fraction of equal MinHash slots."""
    np = _np()
    return float(np.count_nonzero(sig_a == sig_b)) / len(sig_a)


def verify(sig_a, sig_b, threshold: float) -> bool:
    np = _np()
    # Integer comparison so that both engines agree to the last slot.
    return int(np.count_nonzero(sig_a == sig_b)) >= _slots_needed(threshold, len(sig_a))


def _slots_needed(threshold: float, num_perm: int) -> int:
    import math

    return math.ceil(threshold * num_perm - 1e-9)


# --------------------------------------------------------------------------------------
# Components and representatives


def id_key(record_id: object) -> str:
    """Sortable text for a record id: integers in numeric order, before strings."""
    if isinstance(record_id, bool) or record_id is None:
        return "2" + ("" if record_id is None else str(record_id))
    if isinstance(record_id, int):
        return "0" + format(record_id + (1 << 63), "020d")
    return "1" + str(record_id)


def rank_key(farm_score: float, length: int, record_id_key: str, index: int) -> tuple:
    """Order of preference for the representative: cleanest, then longest, then smallest id."""
    score = farm_score if farm_score == farm_score else float("inf")  # NaN ranks last
    return (score, -length, record_id_key, index)


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        parent = self.parent
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(x, x) != root:
            parent[x], x = root, parent[x]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # The smaller index is the root, so the root is the component's minimum.
            if rb < ra:
                ra, rb = rb, ra
            self.parent[rb] = ra


def components(n: int, edges: Iterable[tuple[int, int]]):
    """Label of each of ``n`` nodes: the smallest node of its connected component."""
    np = _np()
    uf = _UnionFind()
    for a, b in edges:
        uf.union(int(a), int(b))
    return np.array([uf.find(i) for i in range(n)], dtype=np.int64)


@dataclass(frozen=True)
class Clusters:
    """Cluster columns for every document (input order) and what was found."""

    cluster_id: Any  # numpy int64
    cluster_size: Any  # numpy int64
    is_representative: Any  # numpy bool
    status: Any  # numpy str
    exact_pairs: int
    candidate_pairs: int
    verified_pairs: int

    def summary(self) -> dict[str, Any]:
        counts = summarise(self.cluster_id, self.cluster_size, self.is_representative, self.status)
        return counts | {
            "exact_duplicate_edges": self.exact_pairs,
            "candidate_pairs": self.candidate_pairs,
            "verified_pairs": self.verified_pairs,
        }


def summarise(cluster_id, cluster_size, is_representative, status) -> dict[str, Any]:
    """Counts for the report: documents by status, clusters by size, duplicates removed."""
    np = _np()
    multi = cluster_size > 1
    sizes, counts = np.unique(cluster_size[multi & is_representative], return_counts=True)
    return {
        "documents": int(len(status)),
        "ok": int(np.count_nonzero(status == "ok")),
        "empty": int(np.count_nonzero(status == "empty")),
        "short": int(np.count_nonzero(status == "short")),
        "clusters_with_duplicates": int(np.count_nonzero(multi & is_representative)),
        "documents_in_clusters": int(np.count_nonzero(multi)),
        "duplicates_removed": int(np.count_nonzero(multi & ~is_representative)),
        "representatives": int(np.count_nonzero(is_representative)),
        "clusters_by_size": {int(s): int(c) for s, c in zip(sizes, counts, strict=True)},
    }


def exact_edges(sketches: Sketches) -> tuple[list[tuple[int, int]], list[int]]:
    """Edges joining exact duplicates to the first of their digest, and those firsts."""
    first: dict[bytes, int] = {}
    edges: list[tuple[int, int]] = []
    for i in range(len(sketches)):
        if sketches.status[i] != "ok":
            continue
        d = bytes(sketches.digests[i])
        if d in first:
            edges.append((first[d], i))
        else:
            first[d] = i
    return edges, sorted(first.values())


def candidate_pairs(signatures, ids: Sequence[int], bands: int, rows: int) -> set[tuple[int, int]]:
    """Pairs of ``ids`` sharing a band key (``signatures`` row k belongs to ids[k])."""
    np = _np()
    ids_arr = np.asarray(ids, dtype=np.int64)
    keys = band_keys(signatures, bands, rows)
    pairs: set[tuple[int, int]] = set()
    for band in range(bands):
        column = keys[:, band]
        order = np.argsort(column, kind="stable")
        sorted_keys = column[order]
        # Runs of equal keys are buckets; only buckets with two or more members matter.
        starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
        ends = np.r_[starts[1:], len(sorted_keys)]
        big = ends - starts > 1
        for s, e in zip(starts[big], ends[big], strict=True):
            pairs.update(bucket_pairs(ids_arr[order[s:e]].tolist()))
    return pairs


def choose_representatives(labels, ranks: Sequence[tuple]) -> tuple[Any, Any]:
    """(cluster_size, is_representative) for component ``labels`` and per-document ranks."""
    np = _np()
    n = len(labels)
    _, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    size = counts[inverse].astype(np.int64)
    best: dict[int, int] = {}
    for i in range(n):
        label = int(labels[i])
        j = best.get(label)
        if j is None or ranks[i] < ranks[j]:
            best[label] = i
    is_rep = np.zeros(n, dtype=bool)
    is_rep[list(best.values())] = True
    return size, is_rep


def cluster(
    sketches: Sketches,
    config: DedupConfig,
    farm_scores: Sequence[float] | None = None,
    record_ids: Sequence[object] | None = None,
) -> Clusters:
    """Cluster documents on one machine: the driver-side version of the whole pipeline.

    ``farm_scores`` (lower is cleaner, default 0) and ``record_ids`` (default: the index)
    only choose representatives; clusters do not depend on them.
    """
    n = len(sketches)
    if farm_scores is not None and len(farm_scores) != n:
        raise ValueError(f"{len(farm_scores)} farm scores for {n} documents")
    if record_ids is not None and len(record_ids) != n:
        raise ValueError(f"{len(record_ids)} record ids for {n} documents")
    edges, firsts = exact_edges(sketches)
    candidates = candidate_pairs(sketches.signatures[firsts], firsts, config.bands, config.rows)
    near = [
        (a, b)
        for a, b in sorted(candidates)
        if verify(sketches.signatures[a], sketches.signatures[b], config.threshold)
    ]
    labels = components(n, edges + near)
    ranks = [
        rank_key(
            float(farm_scores[i]) if farm_scores is not None else 0.0,
            int(sketches.length[i]),
            id_key(record_ids[i] if record_ids is not None else i),
            i,
        )
        for i in range(n)
    ]
    size, is_rep = choose_representatives(labels, ranks)
    return Clusters(labels, size, is_rep, sketches.status, len(edges), len(candidates), len(near))
