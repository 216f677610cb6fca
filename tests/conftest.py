from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CASES = Path(__file__).resolve().parent / "cases"
# Evaluation data lives beside the checkout and is never copied into the repository.
SHARED = ROOT.parent / "shared"
DATA = SHARED / "data"
SEED = SHARED / "fixtures" / "seed"


def load_cases(name: str) -> list[dict]:
    return json.loads((CASES / name).read_text(encoding="utf-8"))


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is not present (evaluation data lives in ../shared)")
    return path


def sample_pages(news: int, traditional: int, per_variant: int) -> list[str]:
    """Pages a shortcut is held to its reference on: the first ``news`` documents of
    news_dev, the first ``traditional`` of trad_dev, every real_dev page, and farm pages
    simulated from the first ``per_variant`` news documents in every variant."""
    from bench.corrupt import VARIANTS, corrupt

    clean = [d["text"] for d in read_jsonl(need(DATA / "news_dev.jsonl"))]
    trad = [d["text"] for d in read_jsonl(need(DATA / "trad_dev.jsonl"))]
    real = [p.read_text(encoding="utf-8") for p in sorted(need(DATA / "real_dev").glob("*.txt"))]
    pages = clean[:news] + trad[:traditional] + real
    for corruption in VARIANTS.values():
        pages += [corrupt(t, corruption, seed=i) for i, t in enumerate(clean[:per_variant])]
    return pages


def hook_env(tmp_path: Path, source: str) -> dict[str, str]:
    """The environment of a zhmend process that imports ``source`` first, as its
    ``sitecustomize``: tests make fixers slow or faulty in the worker processes this way."""
    import os

    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(source, encoding="utf-8")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(hook), env.get("PYTHONPATH")]))
    return env
