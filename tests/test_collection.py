"""The collection profile: the UI's title and examples come from the collection, not the code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.collection import MAX_EXAMPLES, PROFILE, Profile, load_profile

pytestmark = pytest.mark.unit


def write(folder: Path, content: str) -> None:
    (folder / PROFILE).parent.mkdir(parents=True, exist_ok=True)
    (folder / PROFILE).write_text(content, "utf-8")


def test_the_seed_collection_brings_its_own_title_and_examples() -> None:
    profile = load_profile(Path("corpus"))
    assert "Leg cramps" in profile.title and len(profile.examples) == 3


@pytest.mark.parametrize(
    ("folder", "topic"),
    [
        ("tests/corpora/heel-pain/corpus", "Heel pain"),
        ("tests/corpora/composting/corpus", "compost"),
    ],
)
def test_every_test_collection_brings_its_own_profile(folder: str, topic: str) -> None:
    """Another collection needs no code change: its title, examples and words are its own."""
    profile = load_profile(Path(folder))
    assert topic.lower() in profile.title.lower()
    assert profile.examples
    seeds = load_profile(Path("corpus"))
    assert not set(profile.examples) & set(seeds.examples)
    assert profile.cue_words != seeds.cue_words


def test_a_collection_without_a_profile_gets_neutral_wording(tmp_path: Path) -> None:
    assert load_profile(tmp_path) == Profile()
    assert Profile().examples == () and "cramp" not in Profile().title.lower()


def test_a_bad_profile_falls_back_field_by_field(tmp_path: Path) -> None:
    write(tmp_path, "{not json")
    assert load_profile(tmp_path) == Profile()
    write(tmp_path, "[1, 2]")
    assert load_profile(tmp_path) == Profile()
    many = [f"Question {i}?" for i in range(9)]
    write(tmp_path, json.dumps({"title": "  Heel pain  ", "heading": 3, "examples": [*many, 7]}))
    p = load_profile(tmp_path)
    assert p.title == "Heel pain" and p.heading == Profile().heading
    assert p.examples == tuple(many[:MAX_EXAMPLES])


def test_the_safety_note_and_its_warning_signs_come_from_the_collection(tmp_path: Path) -> None:
    seeds = load_profile(Path("corpus"))
    for q in [
        "My calf is swollen, red and warm after a cramp",
        "I get numbness and weakness in my leg at night",
        "Cramps started after a new medication",
        "My cramps won't go away",
    ]:
        assert seeds.safety_note_for(q) == seeds.safety_note != "", q
    assert seeds.safety_note_for("Why do leg cramps happen at night?") == ""
    # Another collection has none unless it brings its own; a bad pattern is left out.
    assert load_profile(tmp_path).safety_note_for("My calf is swollen") == ""
    write(tmp_path, json.dumps({"safety_note": "Call a vet.", "warning_signs": ["(", r"\blimp"]}))
    other = load_profile(tmp_path)
    assert other.warning_signs == (r"\blimp",)
    assert other.safety_note_for("My dog has a LIMP") == "Call a vet."
