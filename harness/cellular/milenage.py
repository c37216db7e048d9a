"""Milenage (3GPP TS 35.206): the authentication and key generation
functions f1, f1*, f2, f3, f4, f5, f5* on AES-128 from `cryptography`."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

# TS 35.206 4.1: the constants c1..c5 and rotations r1..r5 (in bits).
C = [bytes(16), bytes(15) + b"\x01", bytes(15) + b"\x02", bytes(15) + b"\x04", bytes(15) + b"\x08"]
R = [64, 0, 32, 64, 96]


def aes128(key: bytes, block: bytes) -> bytes:
    encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return encryptor.update(block) + encryptor.finalize()


def xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b))


def rotate(block: bytes, bits: int) -> bytes:
    """Cyclic left rotation by a multiple of 8 bits (all r_i are)."""
    shift = (bits // 8) % 16
    return block[shift:] + block[:shift]


def derive_opc(k: bytes, op: bytes) -> bytes:
    """OPc = OP xor E_K(OP)."""
    return xor(op, aes128(k, op))


@dataclass(frozen=True)
class AuthenticationVector:
    mac_a: bytes  # f1
    mac_s: bytes  # f1*
    res: bytes  # f2
    ck: bytes  # f3
    ik: bytes  # f4
    ak: bytes  # f5
    ak_star: bytes  # f5*


class Milenage:
    """One subscriber's key K and OPc."""

    def __init__(self, k: bytes, opc: bytes):
        if len(k) != 16 or len(opc) != 16:
            raise ValueError("Milenage needs a 128-bit K and OPc")
        self.k = k
        self.opc = opc

    def compute(self, rand: bytes, sqn: bytes, amf: bytes) -> AuthenticationVector:
        if len(rand) != 16 or len(sqn) != 6 or len(amf) != 2:
            raise ValueError("RAND is 16 octets, SQN 6, AMF 2")
        temp = aes128(self.k, xor(rand, self.opc))
        in1 = sqn + amf + sqn + amf
        outputs = []
        for index in range(5):
            # OUT_i = E_K(rot(X xor OPc, r_i) xor c_i) xor OPc, X = IN1 for f1/f1*, TEMP otherwise;
            # for f1 the TEMP enters after rotation (TS 35.206 4.1).
            if index == 0:
                block = xor(temp, rotate(xor(in1, self.opc), R[0]))
            else:
                block = rotate(xor(temp, self.opc), R[index])
            outputs.append(xor(aes128(self.k, xor(block, C[index])), self.opc))
        out1, out2, out3, out4, out5 = outputs
        return AuthenticationVector(
            mac_a=out1[:8],
            mac_s=out1[8:],
            res=out2[8:],
            ck=out3,
            ik=out4,
            ak=out2[:6],
            ak_star=out5[:6],
        )
