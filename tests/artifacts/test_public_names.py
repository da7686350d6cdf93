"""The artifacts package exports exactly its intended names, each one importable."""

from __future__ import annotations

from modelyard import artifacts


def test_public_names_are_exactly_the_intended_ones() -> None:
    assert set(artifacts.__all__) == {
        "ArtifactStore",
        "LocalArtifactStore",
        "S3ArtifactStore",
        "normalize_key",
        "normalize_prefix",
        "join_key",
        "collect_garbage",
        "GcReport",
        "RemovedArtifacts",
    }
    for name in artifacts.__all__:
        assert getattr(artifacts, name) is not None
    assert issubclass(artifacts.LocalArtifactStore, artifacts.ArtifactStore)
    assert issubclass(artifacts.S3ArtifactStore, artifacts.ArtifactStore)
