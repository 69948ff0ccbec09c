"""The workspace's pages give amounts in their case's chain's decimals, through cointrail.amounts."""

from __future__ import annotations

from cointrail.web.templating import templates


def test_the_coins_filter_reads_the_pages_chain():
    page = templates().env.from_string("{{ value|coins }} {{ unit }}")
    assert page.render(value=2_100_000_000_000_001, chain="bitcoin", unit="BTC") == "21,000,000.00000001 BTC"
    assert page.render(value=1_500_000, chain="verge", unit="XVG") == "1.5 XVG"  # 6 decimals: it read 0.015
    assert page.render(value=None, chain="litecoin", unit="LTC") == "— LTC"
