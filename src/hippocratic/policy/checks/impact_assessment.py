"""Data protection impact assessments (Art. 35, L-05): a purpose flagged high-risk names its
DPIA, and one that makes automated decisions with legal or similar effect is high-risk
whatever it says (Art. 35(3)(a)). A policy that fails either is refused, so the activity cannot
be switched on without its assessment."""

from __future__ import annotations

from collections.abc import Iterator

from hippocratic.policy.checks import Finding
from hippocratic.policy.document import Policy


def check_impact_assessments(policy: Policy) -> Iterator[Finding]:
    for p, purpose in enumerate(policy.purposes):
        if purpose.automated_decision and not purpose.high_risk:
            yield (
                ("purposes", p, "automated_decision"),
                "dpia.not_flagged",
                f"purpose `{purpose.key}` makes automated decisions about people but is not "
                "flagged `high_risk`",
                "set `high_risk: true` and name its DPIA in `dpia:` (UK GDPR Art. 35(3)(a))",
            )
        if purpose.high_risk and not purpose.dpia:
            yield (
                ("purposes", p, "high_risk"),
                "dpia.missing",
                f"purpose `{purpose.key}` is high-risk but names no data protection impact "
                "assessment",
                "carry out the DPIA before the processing starts and give its reference in "
                "`dpia:` (UK GDPR Art. 35(1), (7))",
            )
