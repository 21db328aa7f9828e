"""themoon's Voilà configuration: the one config file `themoon serve` lets Voilà load
(`--Voila.config_file_paths`, see themoon.serve.voila_command). Runs inside the Voilà server.

The settings live in themoon.serve.configure_voila: the persisted cookie secret, the password hash
(from the environment, never the command line), no /voila/files, a bigger websocket message limit.
Voilà only logs an exception raised by a config file and then starts without it — with a throwaway
cookie secret and no password — so any error here stops the server instead.
"""

import sys

if "get_config" in globals():  # run by traitlets as a config file (not imported as a module)
    try:
        from themoon import serve

        serve.configure_voila(get_config())  # noqa: F821 (traitlets provides it)
    except Exception as error:
        print(f"themoon: cannot start the dashboard: {error}", file=sys.stderr, flush=True)
        raise SystemExit(1) from error
