"""The cookie part of the privacy notice: every cookie with its provider, purpose and
lifetime, the features of the website that need one and what happens with cookies off
(S0-102), built from the policy's cookie register."""

from __future__ import annotations

from pydantic import BaseModel

from hippocratic.policy import wording
from hippocratic.policy.cookie import CookieCategory
from hippocratic.policy.document import Policy


class CookieView(BaseModel):
    name: str
    category: str
    provider: str
    purpose: str
    lifetime: str
    opt_out_url: str | None


class CookieFeatureView(BaseModel):
    """A feature of the website that needs a cookie, and what happens with cookies off."""

    feature: str
    cookie: str
    without: str


def cookie_views(policy: Policy) -> list[CookieView]:
    if policy.cookies is None:
        return []
    vendors = {vendor.key: vendor for vendor in policy.cookies.vendors}
    views = []
    for cookie in policy.cookies.cookies:
        vendor = vendors.get(cookie.vendor) if cookie.vendor else None
        views.append(
            CookieView(
                name=cookie.name,
                category=cookie.category.value,
                provider=vendor.name if vendor else policy.organisation.display_name,
                purpose=cookie.purpose,
                lifetime=wording.period(cookie.lifetime) if cookie.lifetime else "this visit only",
                opt_out_url=str(vendor.opt_out_url) if vendor and vendor.opt_out_url else None,
            )
        )
    return views


FEATURE_CATEGORIES = (CookieCategory.ESSENTIAL, CookieCategory.FUNCTIONAL)


def cookie_features(policy: Policy) -> list[CookieFeatureView]:
    """Each essential or functional cookie is a feature that needs it; analytics, advertising
    and performance cookies serve no feature of yours, so none is listed for them."""
    if policy.cookies is None:
        return []
    consent = policy.cookies.consent_cookie_name
    features = []
    for cookie in policy.cookies.cookies:
        if cookie.category not in FEATURE_CATEGORIES:
            continue
        if cookie.name == consent:
            without = "we cannot remember your choice, so we ask again; nothing optional is set"
        elif cookie.category is CookieCategory.ESSENTIAL:
            without = "this cannot work; the rest of the website still does"
        elif cookie.vendor is not None:
            without = "the content it comes with is not loaded; a link to it is shown instead"
        else:
            without = "the website works but does not remember this"
        features.append(
            CookieFeatureView(
                feature=cookie.purpose.rstrip("."), cookie=cookie.name, without=without
            )
        )
    return features


def without_cookies(policy: Policy) -> str:
    enquiry = policy.records.enquiry
    text = "With cookies switched off you can still read every page of the website"
    if enquiry is not None and enquiry.form is not None:
        title = policy.form_by_key[enquiry.form].title
        text += f", and send us an enquiry (or ask to book) with our form “{title}”"
    return text + "."
