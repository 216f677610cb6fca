"""``zhmend run`` never destroys or silently loses records, whatever OUT and the options are.

Black-box: every test runs the CLI in a fresh process on a corpus written in tmp_path.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import hook_env
from test_run_corpus import FARM, FAULT_HOOK, output_files, record_lines, zhmend_run

FIVE = [json.dumps({"id": i, "text": FARM[0]}, ensure_ascii=False) for i in range(1, 6)]


def _five(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(FIVE) + "\n", encoding="utf-8")
    return path


def _summary(out: Path) -> dict:
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))


def _refused(proc: subprocess.CompletedProcess, words: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("zhmend: ") and words in proc.stderr, proc.stderr


# 1. --limit and completion markers


def test_limit_never_writes_over_a_finished_output(tmp_path: Path) -> None:
    src = _five(tmp_path / "p.jsonl")
    out = tmp_path / "out"
    assert zhmend_run(src, "-o", out, "-j", "1").returncode == 0
    before = output_files(out)
    _refused(zhmend_run(src, "-o", out, "--limit", "2"), "--limit is a preview")
    assert output_files(out) == before
    again = zhmend_run(src, "-o", out, "-j", "1")
    assert again.returncode == 0, again.stderr
    assert _summary(out)["in"] == 5 == len((out / "p.jsonl").read_text().splitlines())


def test_a_preview_into_a_fresh_output_is_redone_by_the_full_run(tmp_path: Path) -> None:
    src = _five(tmp_path / "p.jsonl")
    assert zhmend_run(src, "-o", tmp_path / "out", "--limit", "2").returncode == 0
    assert len((tmp_path / "out" / "p.jsonl").read_text().splitlines()) == 2
    assert zhmend_run(src, "-o", tmp_path / "out", "-j", "1").returncode == 0
    assert zhmend_run(src, "-o", tmp_path / "ref", "-j", "1").returncode == 0
    assert output_files(tmp_path / "out") == output_files(tmp_path / "ref")


@pytest.mark.parametrize("lost", ["p.jsonl", "rejects/p.jsonl"])
def test_a_marker_never_vouches_for_files_that_are_gone(tmp_path: Path, lost: str) -> None:
    src = tmp_path / "p.jsonl"
    src.write_text("\n".join(FIVE + ['{"id": 6, "text": 42}']) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    assert zhmend_run(src, "-o", out, "-j", "1").returncode == 1  # one record rejected
    before = output_files(out)
    (out / lost).unlink()
    rerun = zhmend_run(src, "-o", out, "-j", "1")
    assert rerun.returncode == 1, rerun.stderr
    assert output_files(out) == before
    assert _summary(out)["shards"]["mended_now"] == 1


def test_a_marker_never_vouches_for_an_input_that_changed(tmp_path: Path) -> None:
    """A daily file that grew, a .txt folder that gained a file: the shard is redone."""
    src = _five(tmp_path / "p.jsonl")
    out = tmp_path / "out"
    assert zhmend_run(src, "-o", out, "-j", "1").returncode == 0
    with src.open("a", encoding="utf-8") as f:
        f.write(json.dumps({"id": 6, "text": FARM[0]}, ensure_ascii=False) + "\n")
    assert zhmend_run(src, "-o", out, "-j", "1").returncode == 0
    assert len((out / "p.jsonl").read_text().splitlines()) == 6 == _summary(out)["in"]
    txt = tmp_path / "pages"
    txt.mkdir()
    (txt / "a.txt").write_text(FARM[0], encoding="utf-8")
    out_txt = tmp_path / "out_txt"
    assert zhmend_run(txt, "-o", out_txt, "-j", "1").returncode == 0
    (txt / "b.txt").write_text(FARM[0], encoding="utf-8")
    assert zhmend_run(txt, "-o", out_txt, "-j", "1").returncode == 0
    assert _summary(out_txt)["in"] == 2


# 2. OUT and the inputs


def test_output_that_is_the_input_directory_is_refused(tmp_path: Path) -> None:
    d = tmp_path / "d"
    _five(d / "p.jsonl")
    _refused(zhmend_run(d, "-o", d), "is the input")
    assert sorted(p.name for p in d.iterdir()) == ["p.jsonl"]
    assert (d / "p.jsonl").read_text(encoding="utf-8") == "\n".join(FIVE) + "\n"


def test_output_holding_an_input_is_refused(tmp_path: Path) -> None:
    src = _five(tmp_path / "e" / "sub" / "p.jsonl")
    _refused(zhmend_run(src, "-o", tmp_path / "e"), "holds the input")
    _refused(zhmend_run(src.parent, "-o", tmp_path / "e"), "holds the input")
    assert sorted(p.name for p in (tmp_path / "e").iterdir()) == ["sub"]


def test_output_inside_an_input_directory_is_left_out_of_it(tmp_path: Path) -> None:
    e = tmp_path / "e"
    _five(e / "p.jsonl")
    firsts = []
    for _ in range(3):
        proc = zhmend_run(e, "-o", e / "out", "-j", "1")
        assert proc.returncode == 0, proc.stderr
        assert "left out of the input" in proc.stderr
        assert _summary(e / "out")["in"] == 5
        firsts.append(output_files(e / "out"))
    assert firsts[0] == firsts[1] == firsts[2]
    assert sorted(firsts[0]) == ["p.jsonl"]


def test_text_files_keep_their_groups_when_output_is_inside(tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    for i in range(4):
        (pages / f"a{i}.txt").write_text(FARM[i % len(FARM)], encoding="utf-8")
    out = pages / "zz-out"  # sorts after the pages, so its files would join their group
    # --overwrite: the rerun reads its input again instead of trusting the marker.
    runs = [zhmend_run(pages, "-o", out, "--format", "txt", "-j", "1", *extra)
            for extra in ([], ["--overwrite"])]
    assert [r.returncode for r in runs] == [0, 0], runs[-1].stderr
    assert _summary(out)["in"] == 4
    assert list(output_files(out)) == ["pages.txt-00000.jsonl"]


# 3. --output-field


@pytest.mark.parametrize(
    "field, words",
    [("text", "text field"), ("id", "id field"), ("zhmend_changed", "report columns"),
     ("zhmend_error", "report columns"), ("zhmend_farm_score", "report columns")],
)
def test_output_field_clashing_with_a_column_is_refused(
    tmp_path: Path, field: str, words: str
) -> None:
    src = _five(tmp_path / "p.jsonl")
    _refused(zhmend_run(src, "-o", tmp_path / "out", "--output-field", field), words)
    assert not (tmp_path / "out").exists()


def test_a_new_output_field_keeps_text_and_id(tmp_path: Path) -> None:
    src = _five(tmp_path / "p.jsonl")
    proc = zhmend_run(src, "-o", tmp_path / "out", "--output-field", "mended", "-j", "1")
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in (tmp_path / "out" / "p.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == [1, 2, 3, 4, 5]
    assert all(r["text"] == FARM[0] and r["mended"] != FARM[0] for r in rows)


# 4. temporary files


def test_only_the_runs_own_temporary_files_are_removed(tmp_path: Path) -> None:
    src = _five(tmp_path / "p.jsonl")
    out = tmp_path / "keep"
    mine = [out / "notes" / "draft.tmp-v2.txt", out / "notes" / "x.tmp-123",
            out / "p.jsonl.txt.tmp-5"]
    stale = [out / "p.jsonl.tmp-999999", out / "rejects" / "p.jsonl.tmp-999998",
             out / ".zhmend" / "done" / "p.json.tmp-999997"]
    for path in mine + stale:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x", encoding="utf-8")
    assert zhmend_run(src, "-o", out, "-j", "1").returncode == 0
    assert [p.exists() for p in mine] == [True] * len(mine)
    assert [p.exists() for p in stale] == [False] * len(stale)


def test_a_killed_workers_leftovers_are_removed(tmp_path: Path, slow_env) -> None:
    src = tmp_path / "in"
    src.mkdir()
    for s in range(2):
        lines = record_lines(30, s * 30)
        rec = json.loads(lines[20])
        rec["text"] = FARM[0] + "DIE"
        lines[20] = json.dumps(rec, ensure_ascii=False)
        (src / f"part-{s}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "wk"
    proc = zhmend_run(src, "-o", out, "-j", "2", env=slow_env)
    assert proc.returncode == 1, proc.stderr
    assert _summary(out)["errored"] == 2
    leftovers = [p for p in out.rglob("*") if ".tmp-" in p.name]
    assert leftovers == []
    assert list((out / ".zhmend" / "inflight").glob("*")) == []


# 5. usage errors


def test_output_that_is_a_file_is_refused(tmp_path: Path) -> None:
    src = _five(tmp_path / "p.jsonl")
    (tmp_path / "afile").write_text("mine", encoding="utf-8")
    _refused(zhmend_run(src, "-o", tmp_path / "afile"), "is a file")
    _refused(zhmend_run(src, "-o", tmp_path / "afile" / "sub"), "cannot write to")
    assert (tmp_path / "afile").read_text(encoding="utf-8") == "mine"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="root writes into read-only directories")
def test_read_only_output_is_refused(tmp_path: Path) -> None:
    src = _five(tmp_path / "p.jsonl")
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        _refused(zhmend_run(src, "-o", ro), "cannot write to")
    finally:
        ro.chmod(0o755)


def test_stdin_is_jsonl_only(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "zhmend.cli", "run", "-", "-o", str(tmp_path / "x"),
           "--progress", "none", "-j", "1"]
    txt = subprocess.run([*cmd, "--format", "txt"], input="hi\n", capture_output=True,
                         text=True, timeout=120)
    _refused(txt, "stdin (-) is read as JSON lines")
    jsonl = subprocess.run(cmd, input="\n".join(FIVE) + "\n", capture_output=True, text=True,
                           timeout=120)
    assert jsonl.returncode == 0, jsonl.stderr
    assert len((tmp_path / "x" / "stdin.jsonl").read_text().splitlines()) == 5


@pytest.mark.skipif(os.name != "posix", reason="flock is POSIX")
def test_a_second_run_into_the_same_output_is_refused_while_the_first_holds_it(
    tmp_path: Path,
) -> None:
    import fcntl

    src = _five(tmp_path / "p.jsonl")
    out = tmp_path / "out"
    (out / ".zhmend").mkdir(parents=True)
    with open(out / ".zhmend" / "lock", "a+", encoding="utf-8") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        held.write("4242\n")
        held.flush()
        _refused(zhmend_run(src, "-o", out), "being written by another zhmend run (pid 4242)")
        assert not (out / "p.jsonl").exists()
    # The holder is gone (as after a kill): its lock file no longer blocks anyone.
    proc = zhmend_run(src, "-o", out, "-j", "1")
    assert proc.returncode == 0, proc.stderr


# 7. dedup with representatives only


def test_dedup_representatives_only_reruns_give_the_same_bytes(tmp_path: Path) -> None:
    pytest.importorskip("numpy")
    pytest.importorskip("rensa")
    src = tmp_path / "dd.jsonl"
    texts = [FARM[i % len(FARM)] + ("" if i < 6 else "。") for i in range(12)]
    src.write_text("\n".join(json.dumps({"id": i, "text": t}, ensure_ascii=False)
                             for i, t in enumerate(texts)) + "\n", encoding="utf-8")
    reduce = ("--dedup", "--dedup-representatives-only", "-j", "1")
    out = tmp_path / "out"
    assert zhmend_run(src, "-o", out, *reduce).returncode == 0
    first = output_files(out)
    assert len(first["dd.jsonl"].splitlines()) < 12
    for _ in range(2):
        proc = zhmend_run(src, "-o", out, *reduce)
        assert proc.returncode == 0, proc.stderr
        assert output_files(out) == first
        assert _summary(out)["dedup"]["documents"] == 12
    # Dropping the reduction gives what a fresh run gives, not a re-reduced OUT.
    assert zhmend_run(src, "-o", out, "-j", "1").returncode == 0
    assert zhmend_run(src, "-o", tmp_path / "ref", "-j", "1").returncode == 0
    assert output_files(out) == output_files(tmp_path / "ref")


# 6. Ctrl-C and a dead parent


@pytest.fixture
def slow_env(tmp_path: Path) -> dict[str, str]:
    return hook_env(tmp_path, FAULT_HOOK) | {"ZHMEND_TEST_PIDS": str(tmp_path / "pids")}


def _slow_corpus(root: Path, shards: int = 6, n: int = 60) -> Path:
    """About 0.05 s per farm record: with -j 2 the whole run takes well over 10 s."""
    root.mkdir()
    for s in range(shards):
        lines = [json.dumps({"id": f"s{s}r{i}", "text": FARM[i % len(FARM)] + "SLOW"},
                            ensure_ascii=False) for i in range(n)]
        (root / f"part-{s}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def _start(src: Path, out: Path, env: dict[str, str]) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "zhmend.cli", "run", str(src), "-o", str(out), "-j", "2",
         "--progress", "none"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        # A test run started in the background ignores SIGINT, and so would the child.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    pids = Path(env["ZHMEND_TEST_PIDS"])
    deadline = time.monotonic() + 60
    while not (pids.exists() and pids.read_text().strip()):  # a worker is mending
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.05)
    return proc


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_ctrl_c_stops_a_parallel_run_promptly_and_it_resumes(
    tmp_path: Path, slow_env: dict[str, str]
) -> None:
    src = _slow_corpus(tmp_path / "in")
    out = tmp_path / "out"
    proc = _start(src, out, slow_env)
    stopped = time.monotonic()
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    took = time.monotonic() - stopped
    assert took < 5, f"queued shards were mended after Ctrl-C: {took:.1f} s, {stderr[-2000:]}"
    assert proc.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    workers = {int(p) for p in Path(slow_env["ZHMEND_TEST_PIDS"]).read_text().split()}
    time.sleep(0.5)
    assert not any(map(_alive, workers))
    assert len(list((out / ".zhmend" / "done").glob("*.json"))) < 6
    fast = slow_env | {"ZHMEND_TEST_SLEEP": "0"}
    rerun = zhmend_run(src, "-o", out, "-j", "2", env=fast)
    assert rerun.returncode == 0, rerun.stderr
    assert _summary(out)["in"] == 360
    ref = zhmend_run(src, "-o", tmp_path / "ref", "-j", "1", env=fast)
    assert ref.returncode == 0, ref.stderr
    assert output_files(out) == output_files(tmp_path / "ref")
    assert [p for p in out.rglob("*") if ".tmp-" in p.name] == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_exit_when_the_run_is_killed(tmp_path: Path, slow_env: dict[str, str]) -> None:
    src = _slow_corpus(tmp_path / "in")
    proc = _start(src, tmp_path / "out", slow_env)
    proc.kill()
    proc.wait(timeout=60)
    workers = {int(p) for p in Path(slow_env["ZHMEND_TEST_PIDS"]).read_text().split()}
    deadline = time.monotonic() + 10
    while any(map(_alive, workers)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(map(_alive, workers))


def test_leaving_out_the_output_regroups_text_files_as_if_it_were_absent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import zhmend.commands.run_output as run_output
    import zhmend.io.records as records

    monkeypatch.setattr(records, "TXT_FILES_PER_SHARD", 2)
    monkeypatch.setattr(run_output, "TXT_FILES_PER_SHARD", 2)
    root = tmp_path / "pages"
    for i in range(5):
        _five(root / f"a{i}.txt")
    _five(root / "b.jsonl")
    for name in ("o0.txt", "o1.txt", "o2.txt", "c.jsonl"):
        _five(root / "zz" / name)
    left = run_output.leave_out(records.discover([str(root)]), root / "zz")
    (root / "zz").rename(tmp_path / "elsewhere")
    assert left == records.discover([str(root)])
    assert [s.name for s in left] == ["b", "pages.txt-00000", "pages.txt-00001",
                                      "pages.txt-00002"]


def test_samples_and_summary_of_a_record_with_a_lone_surrogate_are_valid_utf8(
    tmp_path: Path,
) -> None:
    src = tmp_path / "s.jsonl"
    # The text keeps its lone surrogate when strip_invisible is off; the sample shows it.
    src.write_text(
        '{"id":1,"text":"會(huì)議召開(kāi),,市委\\ud800書記"}\n', encoding="utf-8"
    )
    out = tmp_path / "out"
    proc = zhmend_run(src, "-o", out, "--sample", "1", "--no-strip-invisible")
    assert proc.returncode == 0, proc.stderr
    for path in out.rglob("*.json*"):
        path.read_bytes().decode("utf-8")  # strict: no lone surrogate slipped through
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["out"] == 1


@pytest.mark.parametrize(("option", "value", "says"), [
    ("-j", "abc", "expects a whole number, not 'abc'"),
    ("-j", "0", "must be at least 1, not 0"),
    ("--sample", "-1", "must be 0 or more, not -1"),
])
def test_numeric_options_say_what_they_expect(tmp_path: Path, option, value, says) -> None:
    src = tmp_path / "p.jsonl"
    src.write_text('{"id":1,"text":"会议"}\n', encoding="utf-8")
    proc = zhmend_run(src, "-o", tmp_path / "out", option, value)
    assert proc.returncode == 2
    assert says in proc.stderr


def test_samples_asked_of_a_finished_run_say_why_they_are_missing(tmp_path: Path) -> None:
    src = _five(tmp_path / "p.jsonl")
    out = tmp_path / "out"
    assert zhmend_run(src, "-o", out, "-j", "1").returncode == 0
    again = zhmend_run(src, "-o", out, "-j", "1", "--sample", "2")
    assert again.returncode == 0, again.stderr
    assert _summary(out)["samples"] == []
    assert "0 of 2 samples" in again.stderr and "--overwrite" in again.stderr
    redone = zhmend_run(src, "-o", out, "-j", "1", "--sample", "2", "--overwrite")
    assert redone.returncode == 0, redone.stderr
    assert len(_summary(out)["samples"]) == 2
    assert "samples:" not in redone.stderr


@pytest.mark.parametrize("threshold", ["2", "0", "nan"])
def test_a_bad_dedup_threshold_is_refused_before_anything_is_mended(
    tmp_path: Path, threshold: str
) -> None:
    src = _five(tmp_path / "p.jsonl")
    out = tmp_path / "out"
    _refused(zhmend_run(src, "-o", out, "--dedup", "--dedup-threshold", threshold), "threshold")
    assert not out.exists()


def test_a_directory_is_read_whole_and_what_is_left_out_is_said(tmp_path: Path) -> None:
    """Linked directories are read (once, even through a link back up the tree), .ndjson
    files are JSON lines, other files are named as left out, a dangling link stops."""
    d = tmp_path / "in"
    (d / "sub").mkdir(parents=True)
    _five(d / "a.ndjson")
    (d / "notes.csv").write_text("x,y\n", encoding="utf-8")
    elsewhere = _five(tmp_path / "elsewhere" / "b.jsonl").parent
    (d / "linked").symlink_to(elsewhere, target_is_directory=True)
    (d / "sub" / "up").symlink_to(d, target_is_directory=True)
    out = tmp_path / "out"
    proc = zhmend_run(d, "-o", out, "-j", "1")
    assert proc.returncode == 0, proc.stderr
    assert _summary(out)["in"] == 10
    assert "left out 1 file(s)" in proc.stderr and "notes.csv" in proc.stderr
    (d / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    _refused(zhmend_run(d, "-o", tmp_path / "out2"), "gone.txt")


@pytest.mark.parametrize(
    ("options", "words"),
    [
        (["--dedup-threshold", "0.9"], "--dedup-threshold needs --dedup"),
        (["--dedup-representatives-only"], "needs --dedup"),
        (["--id-field", "text"], "is the text field"),
    ],
)
def test_options_that_would_do_nothing_or_harm_are_refused(
    tmp_path: Path, options: list[str], words: str
) -> None:
    src = _five(tmp_path / "p.jsonl")
    _refused(zhmend_run(src, "-o", tmp_path / "out", *options), words)
    assert not (tmp_path / "out").exists()
