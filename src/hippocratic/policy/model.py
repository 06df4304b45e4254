"""The base of every policy model: strict, immutable, and no unknown keys."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints


class PolicyModel(BaseModel):
    """Unknown keys are errors (a typo must never silently drop a promise)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


Key = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
"""A reference key used across the policy: lower-case snake_case."""

Text = Annotated[str, StringConstraints(min_length=1)]

CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
"""An ISO 3166-1 alpha-2 country code in capitals: ``GB``, ``US``."""
