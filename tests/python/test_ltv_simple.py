"""crm_core.ltv.simple_ltv: the simple formula, values worked by hand."""

from __future__ import annotations

import doctest

import pytest

import crm_core
import crm_core.ltv.simple
from crm_core.ltv import simple_ltv


def test_given_numbers():
    # 120.00 EUR × 4 orders a year = 480.00 EUR a year; × 2.5 years = 1,200.00 EUR.
    out = simple_ltv(average_order_value=12000, currency="EUR", purchases_per_year=4, lifespan_years=2.5)
    assert out["customer_value_per_year"] == {"amount": 48000, "currency": "EUR"}
    assert out["value"] == {"amount": 120000, "currency": "EUR"}
    assert "payback_months" not in out


def test_payback():
    # CAC 90.00 EUR; a year brings 480.00 × 0.3 margin = 144.00, i.e. 12.00 a month: 7.5 months.
    out = simple_ltv(average_order_value=12000, currency="EUR", purchases_per_year=4, lifespan_years=2.5,
                     cac=9000, margin=0.3)
    assert out["payback_months"] == pytest.approx(7.5, rel=1e-12)


def test_bad_option_names_the_field():
    with pytest.raises(crm_core.LtvError) as e:
        simple_ltv(average_order_value=12000, currency="EUR", purchases_per_year=-1, lifespan_years=2)
    assert e.value.code == "invalid_option" and e.value.field == "purchases_per_year"


def test_docstring_example():
    assert doctest.testmod(crm_core.ltv.simple).failed == 0
