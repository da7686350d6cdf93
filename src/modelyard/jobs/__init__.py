"""Jobs: command jobs, code snapshots, environments, compute targets and the dispatcher.

A job is a run (``Run.kind == "job"``) that Modelyard executes. The package is split by
concept: :mod:`~modelyard.jobs.spec` (YAML), :mod:`~modelyard.jobs.snapshot`,
:mod:`~modelyard.jobs.environments`, :mod:`~modelyard.jobs.runner` (the supervised process),
:mod:`~modelyard.jobs.computes` (targets), :mod:`~modelyard.jobs.store` (the interface) and
its SQL and REST implementations, :mod:`~modelyard.jobs.dispatcher`, :mod:`~modelyard.jobs.api`
(REST routes) and :mod:`~modelyard.jobs.cli`.

Nothing is imported here, so ``python -m modelyard.jobs.runner`` starts fast.
"""
