"""The release specification: what each column is and which privacy models the release meets.

project: audit-2026-q1          # pseudonyms are stable within a project, unlinkable across
direct_identifiers:             # removed or replaced by keyed pseudonyms
  nhs_number: pseudonymise
  full_name: remove
quasi_identifiers:              # generalised by a hierarchy
  age: {hierarchy: hierarchies/age.csv}      # ARX format, relative to this file
  postcode: {builtin: uk_postcode}
  admitted: {builtin: dates}
  weight: {builtin: numeric, widths: [5, 10, 20]}
sensitive: [diagnosis]          # protected by l-diversity
keep: [clinic]                  # released unchanged (say so explicitly)
models: {k: 5, l: 2, max_suppression: 0.01}
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hippocratic.errors import InputError


class Handling(StrEnum):
    REMOVE = "remove"
    PSEUDONYMISE = "pseudonymise"


class QuasiIdentifier(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hierarchy: str | None = None
    builtin: Literal["age_bands", "dates", "uk_postcode", "numeric"] | None = None
    widths: list[float] | None = None


class ModelSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    k: int = Field(ge=2)
    l: int = Field(default=1, ge=1)  # noqa: E741 - the model is called l-diversity
    entropy_l: float | None = Field(default=None, ge=1.0)
    max_suppression: float = Field(default=0.0, ge=0.0, le=0.5)


class ReleaseSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    project: str = Field(min_length=1, pattern=r"^[A-Za-z0-9._-]+$")
    direct_identifiers: dict[str, Handling] = Field(default_factory=dict)
    quasi_identifiers: dict[str, QuasiIdentifier]
    sensitive: list[str] = Field(default_factory=list)
    keep: list[str] = Field(default_factory=list)
    models: ModelSpec
    base: Path = Field(default=Path("."), exclude=True)

    def columns(self) -> set[str]:
        return {*self.direct_identifiers, *self.quasi_identifiers, *self.sensitive, *self.keep}


def load_spec(path: Path) -> ReleaseSpec:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}", field="spec") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{path} is not valid YAML: {exc}", field="spec") from None
    try:
        spec = ReleaseSpec.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise InputError(
            f"{path}: {where}: {first['msg']}",
            field=where,
            hint="see docs/releases.md for the spec format",
        ) from None
    return spec.model_copy(update={"base": path.parent})
