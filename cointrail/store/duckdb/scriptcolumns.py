"""Address strings and script types of many output scripts at once, compiled.

A chain of fresh addresses has about two new scripts per transaction, and the
store records each one's address: encoding them one by one in Python
(:func:`cointrail.addresses.address_for_script`) cost more than all the rest of
raw ingest. This module classifies the scripts and writes their Base58Check and
Bech32/Bech32m strings with Numba, straight into the buffers of an Arrow string
column. The Base58Check checksums are double SHA-256 from :mod:`cointrail.chains.bitcoin.digests`.
The results are the same as :func:`address_for_script` and
:func:`cointrail.store.duckdb.writer.script_type` give (tested on every script of the
synthetic chain and of a real mainnet block); CashAddr chains (Bitcoin Cash),
rare here, go through those functions.
"""

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from cointrail.addresses import address_for_script
from cointrail.addresses.codecs import BASE58_ALPHABET, BECH32_CHARSET
from cointrail.chains import utxo_network
from cointrail.chains.bitcoin import digests
from cointrail.store.duckdb.chainstate import binary_layout

TYPES = ("p2pkh", "p2sh", "p2wpkh", "p2wsh", "p2tr", "witness_unknown", "p2pk", "nulldata", "nonstandard",
         "mweb_hogaddr", "mweb_pegin")  # fmt: skip
P2PKH, P2SH, P2WPKH, P2WSH, P2TR, WITNESS_UNKNOWN, P2PK, NULLDATA, NONSTANDARD, MWEB_HOG, MWEB_PEGIN = range(11)
P2SH32 = 100  # a 32-byte P2SH (Bitcoin Cash): typed p2sh, without an address outside CashAddr
_B58 = np.frombuffer(BASE58_ALPHABET.encode(), np.uint8)
_BECH32 = np.frombuffer(BECH32_CHARSET.encode(), np.uint8)
_BECH32M_CONSTANT = 0x2BC830A3
_GENERATORS = np.array([0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3], np.int64)

U8 = npt.NDArray[np.uint8]
I64 = npt.NDArray[np.int64]


@numba.njit(cache=True, nogil=True)
def _classify(s: U8, litecoin: bool) -> int:
    """The type code of one script, in the order of :func:`cointrail.addresses.classify_script`."""
    n = len(s)
    if n == 25 and s[0] == 0x76 and s[1] == 0xA9 and s[2] == 20 and s[23] == 0x88 and s[24] == 0xAC:
        return P2PKH
    if n == 23 and s[0] == 0xA9 and s[1] == 20 and s[22] == 0x87:
        return P2SH
    if n == 35 and s[0] == 0xAA and s[1] == 32 and s[34] == 0x87:
        return P2SH32
    if 4 <= n <= 42 and s[1] == n - 2:
        if s[0] == 0 and (n == 22 or n == 34):
            return P2WPKH if n == 22 else P2WSH
        if 0x51 <= s[0] <= 0x60:
            version = s[0] - 0x50
            if version == 1 and n == 34:
                return P2TR
            if litecoin and version == 8:
                return MWEB_HOG
            if litecoin and version == 9:
                return MWEB_PEGIN
            return WITNESS_UNKNOWN
    if (n == 35 or n == 67) and s[0] == n - 2 and s[n - 1] == 0xAC:
        return P2PK
    if n >= 1 and s[0] == 0x6A:
        return NULLDATA
    return NONSTANDARD


@numba.njit(cache=True, nogil=True)
def classify_all(data: U8, offsets: I64, litecoin: bool) -> npt.NDArray[np.int64]:
    codes = np.empty(len(offsets) - 1, np.int64)
    for i in range(len(codes)):
        codes[i] = _classify(data[offsets[i] : offsets[i + 1]], litecoin)
    return codes


_LIMB = 58**5  # digits are computed five at a time: 58**5 * 256 + 255 still fits an int64


@numba.njit(cache=True, nogil=True)
def _base58(payload: U8, limbs: npt.NDArray[np.int64], out: U8, at: int) -> int:
    """Write Base58 of ``payload`` at ``out[at:]``; return the end. ``limbs``: scratch space."""
    used = 0
    for byte in payload:  # the number times 256 plus the byte, in base 58**5 limbs (least significant first)
        carry = int(byte)
        for j in range(used):
            carry += limbs[j] << 8
            limbs[j] = carry % _LIMB
            carry //= _LIMB
        while carry:
            limbs[used] = carry % _LIMB
            carry //= _LIMB
            used += 1
    for byte in payload:  # each leading zero byte is written as a '1'
        if byte != 0:
            break
        out[at] = _B58[0]
        at += 1
    started = False
    for j in range(used - 1, -1, -1):
        limb = limbs[j]
        for k in range(4, -1, -1):
            digit = (limb // 58**k) % 58
            if digit or started:
                out[at] = _B58[digit]
                at += 1
                started = True
    return at


@numba.njit(cache=True, nogil=True)
def _polymod_step(state: int, value: int) -> int:
    top = state >> 25
    state = ((state & 0x1FFFFFF) << 5) ^ value
    for i in range(5):
        if (top >> i) & 1:
            state ^= _GENERATORS[i]
    return state


@numba.njit(cache=True, nogil=True)
def _bech32(hrp: U8, version: int, program: U8, out: U8, at: int) -> int:
    """Write the Bech32 (version 0) or Bech32m address of a witness program at ``out[at:]``; return the end."""
    state = 1
    for c in hrp:
        state = _polymod_step(state, c >> 5)
    state = _polymod_step(state, 0)
    for c in hrp:
        state = _polymod_step(state, c & 31)
        out[at] = c
        at += 1
    out[at] = ord("1")
    at += 1
    values = np.empty(1 + (len(program) * 8 + 4) // 5, np.int64)
    values[0] = version
    acc = bits = 0
    k = 1
    for byte in program:  # regroup 8-bit bytes as 5-bit values, zero-padded (BIP 173)
        acc = (acc << 8) | int(byte)
        bits += 8
        while bits >= 5:
            bits -= 5
            values[k] = (acc >> bits) & 31
            k += 1
    if bits:
        values[k] = (acc << (5 - bits)) & 31
        k += 1
    for j in range(k):
        state = _polymod_step(state, values[j])
        out[at] = _BECH32[values[j]]
        at += 1
    for _ in range(6):
        state = _polymod_step(state, 0)
    state ^= 1 if version == 0 else _BECH32M_CONSTANT
    for j in range(6):
        out[at] = _BECH32[(state >> (5 * (5 - j))) & 31]
        at += 1
    return at


@numba.njit(cache=True, nogil=True)
def _encode_all(data: U8, offsets: I64, codes: I64, checksums: U8, versions: U8, hrp: U8,
                out: U8, out_offsets: npt.NDArray[np.int32], valid: npt.NDArray[np.bool_]) -> None:  # fmt: skip
    """The address of each script into ``out`` (``checksums``: 4 bytes per Base58 script, in order)."""
    at = 0
    k = 0
    payload = np.empty(25, np.uint8)
    limbs = np.empty(8, np.int64)
    for i in range(len(codes)):
        out_offsets[i] = at
        code = codes[i]
        s = data[offsets[i] : offsets[i + 1]]
        valid[i] = True
        if code in (P2PKH, P2SH):
            payload[0] = versions[0] if code == P2PKH else versions[1]
            payload[1:21] = s[3:23] if code == P2PKH else s[2:22]
            payload[21:25] = checksums[4 * k : 4 * k + 4]
            k += 1
            at = _base58(payload, limbs, out, at)
        elif len(hrp) and code in (P2WPKH, P2WSH, P2TR, WITNESS_UNKNOWN, MWEB_HOG, MWEB_PEGIN):
            at = _bech32(hrp, 0 if s[0] == 0 else s[0] - 0x50, s[2:], out, at)
        else:
            valid[i] = False
    out_offsets[len(codes)] = at


def _base58_payloads(data: U8, offsets: I64, codes: I64, versions: bytes) -> bytes:
    """The 4-byte Base58Check checksums of the P2PKH and P2SH scripts, in order (digests' double SHA-256)."""
    which = np.flatnonzero((codes == P2PKH) | (codes == P2SH))
    p2pkh = codes[which] == P2PKH
    payloads = np.empty((len(which), 21), np.uint8)  # version byte, then the 20-byte hash
    payloads[:, 0] = np.where(p2pkh, versions[0], versions[1])
    body = offsets[which] + np.where(p2pkh, 3, 2)
    payloads[:, 1:] = data[body[:, None] + np.arange(20)]
    ranges = np.column_stack([np.arange(len(which)) * 21, np.arange(1, len(which) + 1) * 21]).astype(np.int64)
    return digests.double_sha256_ranges(payloads.ravel(), ranges)[:, :4].tobytes()


def describe(scripts: pa.BinaryArray, chain: str, network: str) -> tuple[pa.StringArray, pa.StringArray]:
    """(address, script type) columns of ``scripts``: NULL address for scripts without one."""
    params = utxo_network(chain, network)
    n = len(scripts)
    data, offsets = binary_layout(scripts, copy=False)
    codes = classify_all(data, offsets, chain == "litecoin")
    types = pa.DictionaryArray.from_arrays(pa.array(np.where(codes == P2SH32, P2SH, codes), pa.int8()),
                                           pa.array(TYPES)).cast(pa.string())  # fmt: skip
    if params.cashaddr_prefix:  # CashAddr: the reference encoder, one script at a time
        return pa.array([address_for_script(s, chain, network) for s in scripts.to_pylist()], pa.string()), types
    versions = bytes((params.p2pkh[0], params.p2sh[0]))
    checksums = np.frombuffer(_base58_payloads(data, offsets, codes, versions), np.uint8)
    hrp = np.frombuffer((params.bech32_hrp or "").encode(), np.uint8)
    out = np.empty(n * (len(hrp) + 80) + 1, np.uint8)  # a witness program has at most 40 bytes: 64 + 8 symbols
    out_offsets = np.empty(n + 1, np.int32)
    valid = np.empty(n, np.bool_)
    _encode_all(data, offsets, codes, checksums, np.frombuffer(versions, np.uint8), hrp, out, out_offsets, valid)
    strings = pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(out_offsets),
                                                     pa.py_buffer(out[: out_offsets[n]].copy())])  # fmt: skip
    return pc.if_else(pa.array(valid), strings, pa.scalar(None, pa.string())), types
