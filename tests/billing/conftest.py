"""Fixtures for money: a company with its invoice details, plans, and a held ceremony."""

import pytest

from tests.conftest import saved
from wedding.billing.models import BillingProfile, Plan
from wedding.billing.money import registration_number_for

REGISTRATION = registration_number_for("876543210987")


@pytest.fixture
def make_profile(app):
    def make(org, **fields):
        return saved(
            app,
            lambda: BillingProfile(
                org_id=org.id,
                **{
                    "issuer_name": "晴れの日ブライダル株式会社",
                    "registration_number": REGISTRATION,
                    "address": "岡山県岡山市北区1-1",
                    "bank_name": "テスト銀行",
                    "bank_branch": "岡山支店",
                    "account_type": "ordinary",
                    "account_number": "1234567",
                    "account_holder": "ハレノヒブライダル(カ",
                    "deposit_percent": 30,
                    "deposit_due_days": 7,
                    "balance_days_before": 30,
                    "cancellation_policy": [[90, 0], [60, 20], [30, 50], [7, 80], [0, 100]],
                    **fields,
                },
            ),
        )

    return make


@pytest.fixture
def make_plan(app):
    def make(org, **fields):
        return saved(
            app,
            lambda: Plan(
                org_id=org.id,
                **{
                    "kind": "plan",
                    "name": "人前式プラン",
                    "unit_price": 200_000,
                    "tax_rate": 10,
                    **fields,
                },
            ),
        )

    return make


@pytest.fixture
def billed(make_user, make_profile, make_ceremony):
    """A planner whose company has invoice details, and one held ceremony of that company."""
    user = make_user(role="planner")
    make_profile(user.org)
    ceremony = make_ceremony(user.org)
    return user, ceremony
