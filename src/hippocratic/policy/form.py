"""Capture points (forms): each gets a just-in-time notice of exactly what its fields are for."""

from __future__ import annotations

from pydantic import Field

from hippocratic.policy.model import Key, PolicyModel, Text


class Form(PolicyModel):
    key: Key
    title: Text
    fields: list[Key] = Field(min_length=1)
    purposes: list[Key] = Field(min_length=1)
