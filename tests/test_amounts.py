"""The one formatter of amounts and times that every text view uses (issues 13 and 14)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cointrail.amounts import Amount, MixedChainsError, Unit, coin_number, format_amount, unit_of
from cointrail.chains import CHAINS
from cointrail.times import format_time, utc_date, utc_iso


def test_an_amount_is_given_in_its_chains_coin():
    assert format_amount(25_000_000, "litecoin") == "0.25 LTC"
    assert format_amount(5_000_000_000, "bitcoin") == "50 BTC"
    assert format_amount(1, "dogecoin") == "0.00000001 DOGE"
    assert format_amount(0, "bitcoin") == "0 BTC"
    assert format_amount(10**18, "ethereum") == "1 ETH"
    assert format_amount(1_500_000, "tron") == "1.5 TRX"
    assert format_amount(1_500_000, "verge") == "1.5 XVG"  # Verge changed COIN to 10^6


def test_amounts_are_exact_at_any_size_never_through_a_float():
    total = 2_100_000_000_000_001  # 21 million BTC and one satoshi: a float would lose the satoshi
    assert format_amount(total, "bitcoin") == "21,000,000.00000001 BTC"
    assert Amount(total, "bitcoin").coins == Decimal("21000000.00000001")
    assert coin_number(123_456_789_000, "bitcoin") == "1,234.56789"
    # 0.1 + 0.2 coins: through a float this read 0.30000000000000004 (the CoinJoin rules' old helper)
    assert str(Amount(10_000_000, "bitcoin") + Amount(20_000_000, "bitcoin")) == "0.3 BTC"


def test_a_token_or_an_unknown_amount_reads_as_asked():
    assert format_amount(2_500_000, "ethereum", symbol="USDT", decimals=6) == "2.5 USDT"
    assert str(Amount(2_500_000, "ethereum", Unit("USDT", 6))) == "2.5 USDT"
    assert format_amount(None, "bitcoin") == "—"
    assert unit_of("litecoin").decimals == 8 and unit_of("monero").decimals == 12
    assert unit_of("no-such-chain").symbol == "NO-SUCH-CHAIN"
    assert format_amount(25_000_000, None) == "0.25 coins"  # findings typed in by hand, no ledger


def test_the_fixed_form_is_the_json_coin_fields_in_the_chains_decimals():
    assert Amount(25_000_000, "litecoin").fixed() == "0.25000000"
    assert Amount(2_100_000_000_000_001, "bitcoin").fixed() == "21000000.00000001"  # no separators
    assert Amount(0, "bitcoin").fixed() == "0.00000000"
    assert Amount(-25_000_000, "litecoin").fixed() == "-0.25000000"
    assert Amount(1_500_000, "verge").fixed() == "1.500000"
    assert Amount(10**18 + 1, "ethereum").fixed() == "1.000000000000000001"
    assert Amount(7, "x", Unit("WHOLE", 0)).fixed() == "7" and Amount(7, "x", Unit("WHOLE", 0)).number() == "7"


def test_every_chain_of_the_table_has_its_decimals():
    assert {name: chain.decimals for name, chain in CHAINS.items() if chain.decimals != 8} == {
        "verge": 6, "xrp": 6, "tron": 6, "monero": 12, "ethereum": 18, "ethereum-classic": 18,
        "bnb-smart-chain": 18, "polygon": 18, "arbitrum": 18, "optimism": 18, "base": 18, "avalanche-c": 18,
    }  # fmt: skip


def test_amounts_of_one_chain_add_and_compare_and_other_chains_are_refused():
    half, quarter = Amount(50_000_000, "litecoin"), Amount(25_000_000, "litecoin")
    assert half + quarter == Amount(75_000_000, "litecoin") and half - quarter == quarter
    assert sum([half, quarter, quarter]) == Amount(100_000_000, "litecoin")
    assert quarter < half and max(half, quarter) is half and -quarter < quarter
    assert Amount(1, "bitcoin") != Amount(1, "litecoin")
    with pytest.raises(MixedChainsError, match=r"cannot add 0.5 LTC \(litecoin\) and 0.00000001 BTC \(bitcoin\)"):
        half + Amount(1, "bitcoin")  # noqa: B018
    with pytest.raises(MixedChainsError):
        half < Amount(1, "bitcoin")  # noqa: B015
    with pytest.raises(MixedChainsError):
        Amount(1, "ethereum") + Amount(1, "ethereum", Unit("USDT", 6))  # noqa: B018
    with pytest.raises(TypeError):
        half + 1  # noqa: B018


def test_an_amount_refuses_what_is_not_exact_or_not_known():
    with pytest.raises(TypeError):
        Amount(0.25, "litecoin")
    with pytest.raises(TypeError):
        Amount.from_coins(0.25, "litecoin")
    with pytest.raises(ValueError, match="finer than one base unit"):
        Amount.from_coins("0.000000001", "bitcoin")
    with pytest.raises(ValueError, match="unknown chain 'no-such-chain'"):
        Amount(1, "no-such-chain")
    assert Amount.from_coins("0.25", "litecoin") == Amount(25_000_000, "litecoin")
    assert Amount.from_coins(Decimal("1.5"), "verge").units == 1_500_000


@given(st.integers(min_value=-(10**40), max_value=10**40), st.integers(min_value=0, max_value=18))
def test_coins_round_trip_exactly_for_any_amount_and_decimals(units, decimals):
    amount = Amount(units, "t", Unit("T", decimals))
    assert amount.coins == Decimal(f"{units}E-{decimals}")  # a Decimal read from text is exact at any size
    assert Amount.from_coins(amount.coins, "t", amount.unit) == amount
    assert Amount.from_coins(amount.fixed(), "t", amount.unit) == amount
    assert Decimal(amount.fixed()) == amount.coins and Decimal(amount.number().replace(",", "")) == amount.coins


@given(st.integers(min_value=0, max_value=10**30), st.integers(min_value=1, max_value=18))
def test_text_is_written_from_the_integer_never_through_a_float(units, decimals):
    text = Amount(units, "t", Unit("T", decimals)).fixed()
    whole, fraction = text.split(".")
    assert int(whole) * 10**decimals + int(fraction) == units and len(fraction) == decimals


def test_times_are_utc_iso_8601_with_the_block_height():
    assert format_time(1231006505, 0) == "2009-01-03T18:15:05Z (block 0)"
    assert format_time(1231006505) == utc_iso(1231006505) == "2009-01-03T18:15:05Z"
    assert utc_date(1231006505) == "2009-01-03"
    assert format_time(None, 5) == "—"
