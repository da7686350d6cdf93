"""Experiment methods of the SQL tracking store (mixed into SqlTrackingStore)."""

from __future__ import annotations

import abc
from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import Any

import sqlalchemy as sa

from modelyard.errors import AlreadyExists, InvalidArgument, InvalidState
from modelyard.tracking.entities import Experiment, ExperimentPage
from modelyard.tracking.sql import _convert as cv
from modelyard.tracking.sql import _rows as q
from modelyard.tracking.sql._search import decode_page_token, encode_page_token
from modelyard.tracking.sql._validate import (
    MAX_TAG_VALUE_LENGTH,
    check_max_results,
    check_name,
    check_value,
)
from modelyard.tracking.sql.tables import experiment_tags, experiments

__all__ = ["ExperimentMethods"]

ACTIVE, DELETED = q.ACTIVE, q.DELETED


class ExperimentMethods(abc.ABC):
    """Experiments: create, get, find, list, update, tag, delete and restore.

    A mixin of :class:`SqlTrackingStore`, which provides the two transactions.
    """

    @abc.abstractmethod
    def _write(self) -> AbstractContextManager[sa.Connection]:
        """A write transaction."""

    @abc.abstractmethod
    def _read(self) -> AbstractContextManager[sa.Connection]:
        """A read transaction."""

    @staticmethod
    def _tag_rows(fk: str, owner: Any, values: Mapping[str, str]) -> list[dict[str, Any]]:
        return [{fk: owner, "key": k, "value": v} for k, v in values.items()]

    def create_experiment(
        self, name: str, *, description: str | None = None, tags: Mapping[str, str] | None = None
    ) -> Experiment:
        check_name(name, "experiment name")
        if description is not None:
            check_value(description, "description", MAX_TAG_VALUE_LENGTH)
        tag_values = q.check_mapping(tags, "tag")
        now = cv.now_us()
        experiment_id = cv.new_id()
        try:
            with self._write() as conn:
                if conn.execute(
                    sa.select(experiments.c.id).where(experiments.c.name == name)
                ).first():
                    raise AlreadyExists(f"an experiment named {name!r} already exists")
                conn.execute(
                    experiments.insert().values(
                        id=experiment_id, name=name, description=description,
                        lifecycle_stage=ACTIVE, created_at=now, updated_at=now,
                    )
                )  # fmt: skip
                q.upsert(
                    conn,
                    experiment_tags,
                    self._tag_rows("experiment_id", experiment_id, tag_values),
                    ("experiment_id", "key"),
                )
                return q.load_experiments(conn, [q.fetch_experiment_row(conn, experiment_id)])[0]
        except sa.exc.IntegrityError as e:  # a concurrent create won the race
            raise AlreadyExists(f"an experiment named {name!r} already exists") from e

    def get_experiment(self, experiment_id: str) -> Experiment:
        with self._read() as conn:
            return q.load_experiments(conn, [q.fetch_experiment_row(conn, experiment_id)])[0]

    def find_experiment(self, name: str) -> Experiment | None:
        if not isinstance(name, str):
            raise InvalidArgument("experiment name must be a string")
        with self._read() as conn:
            row = conn.execute(sa.select(experiments).where(experiments.c.name == name)).first()
            return None if row is None else q.load_experiments(conn, [row])[0]

    def list_experiments(
        self,
        *,
        include_deleted: bool = False,
        max_results: int = 1000,
        page_token: str | None = None,
    ) -> ExperimentPage:
        limit = check_max_results(max_results)
        offset = decode_page_token(page_token)
        stmt = sa.select(experiments).order_by(
            experiments.c.created_at.desc(), experiments.c.id.desc()
        )
        if not include_deleted:
            stmt = stmt.where(experiments.c.lifecycle_stage == ACTIVE)
        with self._read() as conn:
            rows = conn.execute(stmt.offset(offset).limit(limit + 1)).all()
            found = q.load_experiments(conn, rows[:limit])
        token = encode_page_token(offset + limit) if len(rows) > limit else None
        return ExperimentPage(experiments=found, next_page_token=token)

    def update_experiment(
        self, experiment_id: str, *, name: str | None = None, description: str | None = None
    ) -> Experiment:
        values: dict[str, Any] = {"updated_at": cv.now_us()}
        if name is not None:
            values["name"] = check_name(name, "experiment name")
        if description is not None:
            values["description"] = check_value(description, "description", MAX_TAG_VALUE_LENGTH)
        try:
            with self._write() as conn:
                q.fetch_experiment_row(conn, experiment_id, lock=True)
                if name is not None:
                    other = conn.execute(
                        sa.select(experiments.c.id).where(
                            experiments.c.name == name, experiments.c.id != experiment_id
                        )
                    ).first()
                    if other is not None:
                        raise AlreadyExists(f"an experiment named {name!r} already exists")
                conn.execute(
                    experiments.update().where(experiments.c.id == experiment_id).values(**values)
                )
                return q.load_experiments(conn, [q.fetch_experiment_row(conn, experiment_id)])[0]
        except sa.exc.IntegrityError as e:
            raise AlreadyExists(f"an experiment named {name!r} already exists") from e

    def set_experiment_tag(self, experiment_id: str, key: str, value: str) -> None:
        tag_values = q.check_mapping({key: value}, "tag")
        with self._write() as conn:
            q.fetch_experiment_row(conn, experiment_id, lock=True)
            q.upsert(
                conn,
                experiment_tags,
                self._tag_rows("experiment_id", experiment_id, tag_values),
                ("experiment_id", "key"),
            )

    def _set_experiment_stage(self, experiment_id: str, stage: str) -> None:
        with self._write() as conn:
            row = q.fetch_experiment_row(conn, experiment_id, lock=True)
            if row.lifecycle_stage == stage:
                state = "already deleted" if stage == DELETED else "not deleted"
                raise InvalidState(f"experiment {experiment_id!r} is {state}")
            now = cv.now_us()
            conn.execute(
                experiments.update()
                .where(experiments.c.id == experiment_id)
                .values(
                    lifecycle_stage=stage,
                    updated_at=now,
                    deleted_time=now if stage == DELETED else None,
                )
            )

    def delete_experiment(self, experiment_id: str) -> None:
        self._set_experiment_stage(experiment_id, DELETED)

    def restore_experiment(self, experiment_id: str) -> None:
        self._set_experiment_stage(experiment_id, ACTIVE)
