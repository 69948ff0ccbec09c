"""Payment URIs around an address: BIP 21 and cousins, EIP-681, Monero."""

from __future__ import annotations

import pytest
from extraction_makers import cashaddr, evm, monero, p2pkh, segwit

from cointrail import extract_addresses


def test_bip21_amount_label_message_in_an_html_link() -> None:
    address = p2pkh(1)
    page = f'<a href="bitcoin:{address}?amount=0.00150000&amp;label=Shop%20%C3%A9&message=VIP+access">pay</a>'
    found = extract_addresses(page)[0]
    assert (found.scheme, found.role) == ("bitcoin", "payee")
    assert found.amount == "0.00150000" and found.amount_unit == "BTC"
    assert found.label == "Shop é" and found.message == "VIP+access"
    assert found.uri == f"bitcoin:{address}?amount=0.00150000&label=Shop%20%C3%A9&message=VIP+access"
    assert found.chains == ("bitcoin",)  # the scheme settles which chain of the candidates
    assert found.offset == page.index(address)


def test_uri_scheme_is_case_insensitive_and_amount_never_a_float() -> None:
    address = segwit(2, "ltc")
    found = extract_addresses(f"LITECOIN:{address}?amount=1e-3 thanks")[0]
    assert found.scheme == "litecoin" and found.amount == "0.001" and found.amount_unit == "LTC"


@pytest.mark.parametrize("amount", ["abc", "-1", "1,5", "NaN"])
def test_unusable_amount_is_left_out(amount: str) -> None:
    found = extract_addresses(f"bitcoin:{p2pkh(3)}?amount={amount}")[0]
    assert found.amount is None and found.uri is not None


def test_address_after_a_space_is_not_in_the_uri() -> None:
    found = extract_addresses(f"bitcoin: {p2pkh(4)}?amount=1")[0]
    assert found.uri is None and found.amount is None


def test_dogecoin_uri() -> None:
    address = p2pkh(5, 0x1E)
    found = extract_addresses(f"dogecoin:{address}?amount=420")[0]
    assert (found.amount, found.amount_unit, found.chains) == ("420", "DOGE", ("dogecoin",))


@pytest.mark.parametrize("prefix", ["bitcoincash", "bchtest"])
def test_bitcoin_cash_uri_uses_its_prefix(prefix: str) -> None:
    full = cashaddr(6, prefix)
    found = extract_addresses(f"pay {full}?amount=0.5")[0]
    assert found.address == full and found.amount == "0.5" and found.amount_unit == "BCH"
    assert found.network == ("mainnet" if prefix == "bitcoincash" else "testnet")


def test_eip681_value_in_wei_with_scientific_notation() -> None:
    address = evm(7)
    found = extract_addresses(f"ethereum:{address}@1?value=2.014e18")[0]
    assert (found.amount, found.amount_unit, found.role) == ("2.014", "ETH", "payee")
    assert found.chains == ("ethereum",)


def test_eip681_pay_prefix_and_chain_id() -> None:
    address = evm(8)
    found = extract_addresses(f"ethereum:pay-{address}@137?value=1000000000000000")[0]
    assert found.amount == "0.001" and found.chains == ("polygon",)
    assert found.amount_unit == "POL"  # the coin of the chain the id names, not Ether


def test_eip681_token_transfer_reports_contract_and_recipient() -> None:
    token, recipient = evm(9), evm(10)
    text = f"ethereum:{token}@1/transfer?address={recipient}&uint256=2.5e7"
    contract, payee = extract_addresses(text)
    assert (contract.address, contract.role, contract.amount) == (token, "token-contract", None)
    assert (payee.address, payee.role, payee.token_contract) == (recipient, "payee", token)
    assert payee.amount == "25000000" and token in (payee.amount_unit or "")
    assert payee.offset == text.index(recipient) and contract.uri == payee.uri == text


def test_monero_uri() -> None:
    address = monero(11)
    text = f"monero:{address}?tx_amount=0.25&recipient_name=Site&tx_description=month%201"
    found = extract_addresses(text)[0]
    assert (found.amount, found.amount_unit, found.label, found.message) == ("0.25", "XMR", "Site", "month 1")


def test_eip681_without_chain_id_keeps_every_evm_chain() -> None:
    found = extract_addresses(f"ethereum:{evm(12)}?value=1e15")[0]
    assert found.amount == "0.001" and len(found.chains) > 1 and "ethereum" in found.chains
