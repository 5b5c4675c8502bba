# SPDX-License-Identifier: GPL-2.0-or-later
"""What the Python test clients share: a connection to the private bus, as a front-end
makes one (its own unique name, so it can own a session)."""
from gi.repository import Gio


def connect(address):
    return Gio.DBusConnection.new_for_address_sync(
        address,
        Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT
        | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
        None,
        None,
    )
