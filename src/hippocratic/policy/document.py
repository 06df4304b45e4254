"""The whole policy of one organisation, and the lookups every later layer needs from it."""

from __future__ import annotations

from datetime import date
from functools import cached_property

from pydantic import Field as PydanticField

from hippocratic.policy.category import DataCategory, Field
from hippocratic.policy.control import Control, ControlRegister, control_register
from hippocratic.policy.cookie import CookiePolicy
from hippocratic.policy.form import Form
from hippocratic.policy.model import PolicyModel
from hippocratic.policy.organisation import Notice, Organisation
from hippocratic.policy.purpose import Purpose
from hippocratic.policy.recipient import Recipient
from hippocratic.policy.record_binding import RecordBindings
from hippocratic.policy.retention import RetentionRule
from hippocratic.policy.role import Role
from hippocratic.policy.service import Service
from hippocratic.policy.settings import AccessLog, Breach, Marketing, Rights, SecurityMeasure
from hippocratic.policy.staff_rules import StaffRules

SCHEMA_VERSION = 1


class Policy(PolicyModel):
    schema_version: int = SCHEMA_VERSION
    organisation: Organisation
    notice: Notice
    categories: list[DataCategory] = PydanticField(min_length=1)
    purposes: list[Purpose] = PydanticField(min_length=1)
    roles: list[Role] = PydanticField(default_factory=list)
    retention: list[RetentionRule] = PydanticField(default_factory=list)
    recipients: list[Recipient] = PydanticField(default_factory=list)
    cookies: CookiePolicy | None = None
    marketing: Marketing | None = None
    rights: Rights = Rights()
    breach: Breach = Breach()
    access_log: AccessLog = AccessLog()
    security: list[SecurityMeasure] = PydanticField(default_factory=list)
    staff: StaffRules = StaffRules()
    controls: list[Control] = PydanticField(default_factory=list)
    """The security-control register (S0-87)."""
    forms: list[Form] = PydanticField(default_factory=list)
    services: list[Service] = PydanticField(default_factory=list)
    records: RecordBindings = RecordBindings()

    def control_register(self, as_of: date) -> ControlRegister:
        """The security-control register as of a day, owners named by their role titles."""
        titles = {role.key: role.title for role in self.roles}
        return control_register(self.organisation.key, self.controls, titles, as_of)

    @cached_property
    def category_by_key(self) -> dict[str, DataCategory]:
        return {category.key: category for category in self.categories}

    @cached_property
    def field_by_key(self) -> dict[str, Field]:
        return {field.key: field for category in self.categories for field in category.fields}

    @cached_property
    def category_of_field(self) -> dict[str, DataCategory]:
        return {field.key: category for category in self.categories for field in category.fields}

    @cached_property
    def purpose_by_key(self) -> dict[str, Purpose]:
        return {purpose.key: purpose for purpose in self.purposes}

    @cached_property
    def role_by_key(self) -> dict[str, Role]:
        return {role.key: role for role in self.roles}

    @cached_property
    def recipient_by_key(self) -> dict[str, Recipient]:
        return {recipient.key: recipient for recipient in self.recipients}

    @cached_property
    def retention_by_key(self) -> dict[str, RetentionRule]:
        return {rule.key: rule for rule in self.retention}

    @cached_property
    def form_by_key(self) -> dict[str, Form]:
        return {form.key: form for form in self.forms}

    @cached_property
    def service_by_key(self) -> dict[str, Service]:
        return {service.key: service for service in self.services}
