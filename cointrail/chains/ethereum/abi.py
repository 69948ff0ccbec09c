"""The little of the contract ABI cointrail needs: function selectors, static arguments, event topics."""

from __future__ import annotations

from cointrail.addresses.codecs import keccak256


def selector(signature: str) -> bytes:
    """The 4-byte selector of a function signature such as ``transfer(address,uint256)``."""
    return keccak256(signature.encode("ascii"))[:4]


def topic(signature: str) -> str:
    """An event's topic 0 (keccak-256 of its signature) as 0x-hex."""
    return "0x" + keccak256(signature.encode("ascii")).hex()


def word(value: int | str) -> bytes:
    """One 32-byte ABI word: an unsigned integer, or an address given as 0x-hex."""
    if isinstance(value, str):
        return bytes.fromhex(value.removeprefix("0x")).rjust(32, b"\0")
    return value.to_bytes(32, "big")


def call_data(signature: str, *args: int | str | list[int] | list[str]) -> str:
    """Calldata for ``signature`` with static words and one-dimensional dynamic arrays (heads then tails)."""
    head, tail = b"", b""
    offset = 32 * len(args)
    for arg in args:
        if isinstance(arg, list):
            head += word(offset + len(tail))
            tail += word(len(arg)) + b"".join(word(item) for item in arg)
        else:
            head += word(arg)
    return "0x" + (selector(signature) + head + tail).hex()


def address_of_topic(text: str) -> str:
    """The address in an indexed topic or a 32-byte word (its low 20 bytes), lower-case 0x-hex."""
    return "0x" + text.removeprefix("0x")[-40:].lower()


def words(data: str) -> list[int]:
    """A log's data split into 32-byte unsigned words."""
    raw = bytes.fromhex(data.removeprefix("0x"))
    return [int.from_bytes(raw[i : i + 32], "big") for i in range(0, len(raw) - len(raw) % 32, 32)]
