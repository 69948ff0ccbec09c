"""The one formatter of amounts and times that every text view uses (issue 13)."""

from __future__ import annotations

from decimal import Decimal

from cointrail.amounts import coin_number, format_amount, to_coins, unit_of
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
    assert to_coins(total, "bitcoin") == Decimal("21000000.00000001")
    assert coin_number(123_456_789_000, "bitcoin") == "1,234.56789"


def test_a_token_or_an_unknown_amount_reads_as_asked():
    assert format_amount(2_500_000, "ethereum", symbol="USDT", decimals=6) == "2.5 USDT"
    assert format_amount(None, "bitcoin") == "—"
    assert unit_of("litecoin").decimals == 8 and unit_of("monero").decimals == 12
    assert unit_of("no-such-chain").symbol == "NO-SUCH-CHAIN"


def test_times_are_utc_iso_8601_with_the_block_height():
    assert format_time(1231006505, 0) == "2009-01-03T18:15:05Z (block 0)"
    assert format_time(1231006505) == utc_iso(1231006505) == "2009-01-03T18:15:05Z"
    assert utc_date(1231006505) == "2009-01-03"
    assert format_time(None, 5) == "—"
