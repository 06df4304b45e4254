"""The promise register: every promise a privacy notice makes (``S0-..``, ``S1-..``) and the
legal duties its claim of compliance implies (``L-..``), one entry each, shipped beside the
policy that enforces them (``policies/promises/<policy file name>``). It is what the evidence
pack (``hippocratic evidence``) traces, promise by promise, to the policy, the code and the
tests: a promise missing here would be a promise nobody checks, so the register is read
strictly (unknown keys, repeated ids and malformed ids are errors)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import StringConstraints, ValidationError, model_validator

from hippocratic.errors import PolicyInvalid
from hippocratic.policy.model import Key, PolicyModel, Text

PROMISE_ID = r"(?:S\d|L)-\d{2,3}"
PromiseId = Annotated[str, StringConstraints(pattern=rf"^{PROMISE_ID}$")]
"""``S0-07`` (notice 0's seventh promise), ``S1-25``, ``L-14`` (a duty no notice states)."""
REGISTER_DIRECTORY = "promises"


class Promise(PolicyModel):
    id: PromiseId
    quote: Text
    """The notice's own words, verbatim (``(not stated; …)`` for a legal duty)."""
    capability: Text
    """What the system does that makes the promise true."""
    test: Text
    """What a test must show for the promise to count as proven."""
    law: Text
    """The articles and codes behind it, or ``—``."""


class PromiseRegister(PolicyModel):
    organisation: Key
    policy: Text
    """The policy file (its name) whose rules state these promises."""
    notice: Text
    """The published notice the promises were read from."""
    promises: list[Promise]

    @model_validator(mode="after")
    def _ids_once(self) -> PromiseRegister:
        seen: set[str] = set()
        for promise in self.promises:
            if promise.id in seen:
                raise ValueError(f"promise {promise.id} is listed twice")
            seen.add(promise.id)
        return self

    def ids(self) -> list[str]:
        return [promise.id for promise in self.promises]


def register_path(policy_file: Path) -> Path:
    """Where the register of ``policy_file`` lives: ``promises/`` beside it, same name."""
    return policy_file.parent / REGISTER_DIRECTORY / policy_file.name


def load_register(path: Path) -> PromiseRegister:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PolicyInvalid(
            f"no promise register at {path}: {exc.strerror}", field="register"
        ) from exc
    except yaml.YAMLError as exc:
        raise PolicyInvalid(
            f"the promise register {path} is not YAML: {exc}", field="register"
        ) from exc
    try:
        return PromiseRegister.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(file)"
        raise PolicyInvalid(
            f"the promise register {path} is not valid at {where}: {first['msg']}",
            field="register",
        ) from exc


def promise_ids(text: str) -> list[str]:
    """The promise ids ``text`` names, ranges expanded: ``S0-29..S0-41`` is thirteen ids, in
    the order written, each once."""
    found: list[str] = []
    pattern = rf"({PROMISE_ID})(?:\s*(?:\.\.|–)\s*({PROMISE_ID}))?"
    for match in re.finditer(pattern, text):
        first, last = match.group(1), match.group(2)
        ids = [first]
        if last is not None:
            prefix, start = first.rsplit("-", 1)
            last_prefix, end = last.rsplit("-", 1)
            if prefix == last_prefix and int(start) < int(end):
                width = len(start)
                ids = [f"{prefix}-{n:0{width}d}" for n in range(int(start), int(end) + 1)]
            else:
                ids.append(last)
        found.extend(i for i in ids if i not in found)
    return found
