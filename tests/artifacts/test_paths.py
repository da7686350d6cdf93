"""Artifact key normalization: examples for each rule and properties over arbitrary input."""

from __future__ import annotations

import posixpath
import string
from pathlib import PurePosixPath, PureWindowsPath

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelyard.artifacts.paths import (
    MAX_KEY_LENGTH,
    join_key,
    normalize_key,
    normalize_prefix,
)
from modelyard.errors import InvalidArgument

# (key, words the message must contain)
UNSAFE_KEYS: list[tuple[str, str]] = [
    ("", "empty"),
    (".", "empty"),
    ("./", "empty"),
    ("//", "UNC"),
    ("..", "'..'"),
    ("../x", "'..'"),
    ("a/../../x", "'..'"),
    ("a/..", "'..'"),
    ("/etc/passwd", "absolute"),
    ("/", "absolute"),
    ("C:", "drive"),
    ("C:/Windows/system32", "drive"),
    ("c:\\temp\\x", "drive"),
    ("a/d:/x", "drive"),
    ("\\\\server\\share\\x", "UNC"),
    ("//server/share/x", "UNC"),
    ("s3://bucket/key", "URI"),
    ("file:///etc/passwd", "URI"),
    ("a\\b", "backslash"),
    ("..\\x", "backslash"),
    ("a\x00b", "NUL"),
    ("a\nb", "control"),
    ("a\rb", "control"),
    ("a\tb", "control"),
    ("a\x1bb", "control"),
    ("a\x7fb", "control"),
    ("a\x85b", "control"),
    ("a\ud800b", "surrogate"),
    ("x" * 256, "255 bytes"),
    ("dir/" + "é" * 128, "255 bytes"),
    ("a/" * 600, "1024"),
    ("a" * (MAX_KEY_LENGTH + 1), "1024"),
]


@pytest.mark.parametrize(("key", "why"), UNSAFE_KEYS)
def test_unsafe_keys_are_rejected_with_a_reason(key: str, why: str) -> None:
    with pytest.raises(InvalidArgument) as err:
        normalize_key(key)
    assert why.lower() in err.value.message.lower()


@pytest.mark.parametrize(
    ("key", "clean"),
    [
        ("model.pkl", "model.pkl"),
        ("a/b/c.txt", "a/b/c.txt"),
        ("a//b///c", "a/b/c"),
        ("./a/./b/.", "a/b"),
        ("plots/", "plots/"),
        ("plots//", "plots/"),
        ("a/..b/c..", "a/..b/c.."),
        ("...", "..."),
        ("é/日本語.txt", "é/日本語.txt"),
        ("x" * 255, "x" * 255),
        ("with space/and:colon", "with space/and:colon"),
    ],
)
def test_safe_keys_are_cleaned(key: str, clean: str) -> None:
    assert normalize_key(key) == clean


def test_the_longest_allowed_key_is_accepted() -> None:
    key = "/".join(["a" * 200] * 5)[:MAX_KEY_LENGTH]
    assert normalize_key(key) == key


def test_non_strings_are_rejected() -> None:
    for value in (None, b"a", 3, PurePosixPath("a")):
        with pytest.raises(InvalidArgument, match="expected a string"):
            normalize_key(value)  # type: ignore[arg-type]


def test_prefix_may_name_the_root() -> None:
    assert normalize_prefix("") == ""
    assert normalize_prefix("./") == ""
    assert normalize_prefix("runs/abc/") == "runs/abc"
    for bad in ("/", "..", "/x", "a/../b"):
        with pytest.raises(InvalidArgument):
            normalize_prefix(bad)


def test_join_key_confines_under_prefix() -> None:
    assert join_key("runs/abc", "model/m.pkl") == "runs/abc/model/m.pkl"
    assert join_key("runs/abc/", "./plots/") == "runs/abc/plots/"
    assert join_key("", "x") == "x"
    for bad in ("../other", "/etc", "..", "a/../../b", "C:x"):
        with pytest.raises(InvalidArgument):
            join_key("runs/abc", bad)
    with pytest.raises(InvalidArgument, match="1024"):
        join_key("/".join(["p" * 200] * 4), "/".join(["q" * 200] * 2))


# ----------------------------------------------------------------------------- properties
_PIECES = st.sampled_from(
    [
        "a",
        "b",
        "model.pkl",
        ".",
        "..",
        "",
        "/",
        "//",
        "\\",
        "C:",
        "c:",
        "é",
        "日本",
        "\x00",
        "\n",
        " ",
        "...",
        "..a",
        "~",
        "$HOME",
        "%2e%2e",
        "\x7f",
        "\ud800",
    ]
)
garbage = st.one_of(
    st.text(max_size=300),
    st.lists(_PIECES, max_size=20).map("".join),
    st.lists(st.text(alphabet=string.printable, max_size=8), max_size=10).map("/".join),
)


def _normalized_or_none(key: str) -> str | None:
    try:
        return normalize_key(key)
    except InvalidArgument:
        return None


@settings(max_examples=400, deadline=None)
@given(garbage)
def test_garbage_raises_only_invalid_argument(key: str) -> None:
    _normalized_or_none(key)  # any other exception fails the test


@settings(max_examples=400, deadline=None)
@given(garbage)
def test_normalized_keys_never_escape(key: str) -> None:
    clean = _normalized_or_none(key)
    if clean is None:
        return
    parts = clean.rstrip("/").split("/")
    assert all(p not in ("", ".", "..") for p in parts)
    assert not clean.startswith("/")
    assert "\\" not in clean and "\x00" not in clean
    assert not PureWindowsPath(clean).drive and not PureWindowsPath(clean).is_absolute()
    for root in ("/srv/artifacts", "/"):
        joined = posixpath.normpath(posixpath.join(root, clean))
        assert joined == root or joined.startswith(root.rstrip("/") + "/")
    win = PureWindowsPath("C:/artifacts").joinpath(clean)
    assert win.parts[:2] == ("C:\\", "artifacts")
    assert len(clean) <= MAX_KEY_LENGTH


@settings(max_examples=400, deadline=None)
@given(garbage)
def test_normalize_is_idempotent(key: str) -> None:
    clean = _normalized_or_none(key)
    if clean is not None:
        assert normalize_key(clean) == clean


@settings(max_examples=200, deadline=None)
@given(garbage, garbage)
def test_join_stays_under_prefix(prefix: str, key: str) -> None:
    try:
        joined = join_key(prefix, key)
    except InvalidArgument:
        return
    head = normalize_prefix(prefix)
    assert joined == normalize_key(joined)
    if head:
        assert joined.startswith(head + "/")
        assert ".." not in joined[len(head) + 1 :].split("/")
