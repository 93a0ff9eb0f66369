"""Circuits the CLI tests compile by file path (`path/cli_circuits.py:Power`) or module name."""

from zkl.circuits import Circuit, Public, Secret


class Power(Circuit):
    """y = x**n with n a parameter."""

    y = Public()
    x = Secret()

    def __init__(self, n: int = 3):
        self.n = n

    def define(self, api):
        acc = 1
        for _ in range(self.n):
            acc = api.mul(acc, self.x)
        api.assert_equal(acc, self.y)


class Sloppy(Circuit):
    """Under-constrained on purpose: the secret `salt` and a hint output are never constrained."""

    y = Public()
    x = Secret()
    salt = Secret()

    def define(self, api):
        api.hint(lambda v: v + 1, self.x)
        api.assert_equal(api.mul(self.x, self.x), self.y)
