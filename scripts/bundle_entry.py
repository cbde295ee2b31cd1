"""PyInstaller entry script for the ``hggt-desktop`` executables (the annotator/curator GUI).

PyInstaller needs a script path, not an entry point. The network guard goes in before anything else
is imported, so the frozen app is offline from its first line whatever ``main()`` does.
"""

from hggt_desktop.offline import install_network_guard

install_network_guard()

from hggt_desktop.gui.app import main  # noqa: E402  (after the guard on purpose)

if __name__ == "__main__":
    raise SystemExit(main())
