"""What `make bench` measures per service. A service being added registers here:

    "<case>": {"emulator": "<name>", "modules": ["iotpush.services.<module>"],
               "modes": ["<mode>", ...], "seed": False}

and adds a function <case>(base, mode) to bench/mp/bcases.py that builds the service for the
emulator at `base`. `seed`: the bench scripts implement that service's seed baseline (the list
of dicts / json.dumps / requests.post way) -- so far Initial State's; the others get the
import, allocation, flush-peak and wire figures of iotpush alone.
"""
CASES = {
    "initialstate": {
        "emulator": "initialstate",
        "modules": ["iotpush.services.initialstate"],
        "modes": ["json", "url"],
        "seed": True,
    },
}

# Import order for the per-module footprint: leaves first, so each line is that module alone.
CORE_ORDER = ["requests", "iotpush", "iotpush.errors", "iotpush.clock", "iotpush.ring",
              "iotpush.encode", "iotpush.retry", "iotpush.ratelimit", "iotpush.transport",
              "iotpush.service", "iotpush.streamer", "iotpush.urlenc", "iotpush.services"]
OPTIONAL = ["iotpush.timefmt", "iotpush.sockhttp", "asyncio", "iotpush.aio"]
