"""Bytes of the original streamvis's formats, built by hand from the wire description (for
cases the shared samples do not cover: the int32 period, deletes, id collisions, damage)."""

from __future__ import annotations

import struct

import numpy as np

FLOAT, INT = 0, 1


def varint(n: int) -> bytes:
    n &= (1 << 64) - 1  # negatives: 10-byte two's complement, as protobuf writes int32
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def vfield(number: int, value: int) -> bytes:
    return varint(number << 3) + varint(value) if value else b""


def ldfield(number: int, data: bytes | str) -> bytes:
    data = data.encode() if isinstance(data, str) else data
    return varint(number << 3 | 2) + varint(len(data)) + data


def frame(kind: int, payload: bytes) -> bytes:
    return bytes([kind]) + struct.pack(">I", len(payload)) + payload


def values(array: np.ndarray, packed: bool = True) -> bytes:
    """A legacy Values message: float32 -> FloatList (2), int32 -> IntList (3)."""
    if array.dtype.kind == "f":
        a = np.asarray(array, dtype="<f4")
        if packed:
            inner = ldfield(1, a.tobytes())
        else:
            inner = b"".join(varint(1 << 3 | 5) + v.tobytes() for v in a)
        return ldfield(2, inner)
    ints = [int(v) for v in np.asarray(array, dtype="<i4")]
    if packed:
        inner = ldfield(1, b"".join(varint(v) for v in ints))
    else:
        inner = b"".join(varint(1 << 3) + varint(v) for v in ints)
    return ldfield(3, inner)


def field(name: str, ftype: int) -> bytes:
    return ldfield(1, name) + vfield(2, ftype)


def seed_group(gid: int, scope: str, name: str, index: int,
               fields: list[tuple[str, int]]) -> bytes:
    payload = (vfield(1, gid) + ldfield(2, scope) + ldfield(3, name) + vfield(4, index)
               + b"".join(ldfield(5, field(n, t)) for n, t in fields))
    return frame(0, payload)


def seed_points(gid: int, arrays: list[np.ndarray], batch: int = 0,
                packed: bool = True) -> bytes:
    payload = vfield(1, gid) + vfield(2, batch) + b"".join(
        ldfield(3, values(a, packed)) for a in arrays)
    return frame(1, payload)


def seed_control(scope: str, name: str = "") -> bytes:
    return frame(2, ldfield(1, scope) + (ldfield(2, name) if name else b""))


# -- v1.0 ------------------------------------------------------------------------------------

def v1_scope(scope_id: int, scope: str) -> bytes:
    return frame(0, vfield(1, scope_id) + ldfield(2, scope))


def v1_name(name_id: int, scope_id: int, name: str, fields: list[tuple[str, int]]) -> bytes:
    return frame(1, vfield(1, name_id) + vfield(2, scope_id) + ldfield(3, name)
                 + b"".join(ldfield(4, field(n, t)) for n, t in fields))


def v1_delete_name(scope: str, name: str) -> bytes:
    return frame(6, ldfield(1, scope) + ldfield(2, name) + vfield(3, 1))


def v1_data(entry_id: int, index: int, arrays: list[np.ndarray]) -> bytes:
    return frame(4, vfield(1, entry_id) + vfield(2, index)
                 + b"".join(ldfield(3, values(a)) for a in arrays))


def v1_data_entry(entry_id: int, name_id: int, beg: int, end: int) -> bytes:
    return frame(2, vfield(1, entry_id) + vfield(2, name_id) + vfield(3, beg) + vfield(4, end))


class V1Writer:
    """Appends a v1.0 pair the way its server did: .log first, then .idx."""

    def __init__(self) -> None:
        self.idx = bytearray()
        self.log = bytearray()
        self.next_id = 1

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def scope(self, scope: str) -> int:
        sid = self.new_id()
        self.idx += v1_scope(sid, scope)
        return sid

    def name(self, scope_id: int, name: str, fields: list[tuple[str, int]]) -> int:
        nid = self.new_id()
        self.idx += v1_name(nid, scope_id, name, fields)
        return nid

    def data(self, name_id: int, index: int, arrays: list[np.ndarray]) -> None:
        eid = self.new_id()
        beg = len(self.log)
        self.log += v1_data(eid, index, arrays)
        self.idx += v1_data_entry(eid, name_id, beg, len(self.log))

    def delete(self, scope: str, name: str) -> None:
        self.idx += v1_delete_name(scope, name)
