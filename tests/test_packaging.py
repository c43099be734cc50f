"""The store must reach users: inside the wheel, and through an editable install."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from backfaq.store import bundled_path, load_store

ROOT = Path(__file__).resolve().parents[1]
STORE = ROOT / "data" / "faq.json"


def test_bundled_store_is_the_curated_one() -> None:
    # Under an editable install this goes through the checkout fallback;
    # under a wheel install, through the packaged copy. Either way: same bytes.
    assert Path(bundled_path()).read_bytes() == STORE.read_bytes()
    assert load_store().entries


@pytest.mark.slow
def test_wheel_carries_the_store(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
    )
    (wheel,) = tmp_path.glob("backfaq-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        assert zf.read("backfaq/data/faq.json") == STORE.read_bytes()
        names = zf.namelist()
    assert "backfaq/cli.py" in names
    # The source pages the answers quote, as each source's file names them.
    for source in json.loads(STORE.read_text(encoding="utf-8"))["sources"]:
        page = ROOT / "data" / "sources" / source["file"]
        assert zf_read(wheel, f"backfaq/data/sources/{source['file']}") == page.read_bytes()
    # The general word relations and the licence they come under travel with them.
    assert "backfaq/data/related.tsv" in names
    assert "backfaq/data/WORDNET-LICENSE" in names
    assert "backfaq/data/meaning.bin" in names
    assert "backfaq/data/WORDLLAMA-LICENSE" in names
    assert "backfaq/render/terminal.py" in names


def zf_read(wheel: Path, name: str) -> bytes:
    with zipfile.ZipFile(wheel) as zf:
        return zf.read(name)
