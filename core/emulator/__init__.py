"""Offline Plaid emulator: Plaid's HTTP API, a look-alike of its Link web SDK and a realistic banking world.

    from core.emulator import start_emulator
    emu = start_emulator(seed=0)          # emu.url, emu.port, emu.control, emu.stop()
"""

from core.emulator.emulator import Emulator, serve, start_emulator

__all__ = ["Emulator", "serve", "start_emulator"]
