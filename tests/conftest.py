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
