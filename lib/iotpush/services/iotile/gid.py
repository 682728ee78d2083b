# gid.py: IOTile globally unique ID slugs (p--, d--, v--, s--), formatted and parsed.
#
# p--0000-0005 (project, 8 hex digits), d--0000-0000-0000-000a (device, 16 hex digits),
# v--0000-0005--5001 (variable 5001 of project 5), s--0000-0005--0000-0000-0000-000a--5001
# (stream = project, device, variable). Built from an int, a hex string ("000a", "0xa", "0000-000a")
# or a (short) slug ("d--000a"). Invalid input raises ValueError. Cold path: allocates strs.
# Loaded only when a slug class is used.

import gc

gc.collect()  # tidy the heap the previous import left before this module loads


def _hex(text, what):
    """int of a hex id written with optional '-' separators and an optional 0x prefix."""
    t = text.replace("-", "")
    if t[:2] in ("0x", "0X"):
        t = t[2:]
    if not t or len(t) > 16:
        raise ValueError("%s: expected 1..16 hex digits, got %r" % (what, text[:40]))
    for c in t.encode():  # bytes: iterating a str would intern each character
        if c not in b"0123456789abcdefABCDEF":
            raise ValueError("%s: expected a hex number, got %r" % (what, text[:40]))
    return int(t, 16)


def _groups(n, terms):
    """'0000-0000-000a' for n with `terms` groups of 4 hex digits."""
    out = []
    for i in range(terms - 1, -1, -1):
        out.append("%04x" % ((n >> (16 * i)) & 0xFFFF))
    return "-".join(out)


def _single(kind, id, bits, what, lowest=0):
    """The int of a one-term slug (p--/d--) given as an int, a hex string or a slug."""
    if type(id) is int:
        n = id
    elif isinstance(id, str):
        parts = id.split("--")
        if len(parts) == 1:
            text = parts[0]
        elif len(parts) == 2 and parts[0] == kind:
            text = parts[1]
        else:
            raise ValueError("%s: must be hex digits or '%s--<hex>', got %r" % (what, kind, id[:40]))
        n = _hex(text, what)
    else:
        raise ValueError("%s: must be an int or a str, not %s" % (what, type(id).__name__))
    if not lowest <= n < (1 << bits):
        raise ValueError("%s: id must be %d..0x%x" % (what, lowest, (1 << bits) - 1))
    return n


class IOTileCloudSlug:
    _slug = ""

    def __str__(self):
        return self._slug

    def __repr__(self):
        return "<%s %s>" % (type(self).__name__, self._slug)

    def __eq__(self, other):
        return str(self) == str(other)

    def __hash__(self):
        return hash(self._slug)

    def formatted_id(self):
        """The slug without its type prefix, e.g. '0000-0005'."""
        return self._slug[3:]

    def get_id(self):
        """The numeric id (projects and devices)."""
        if self._slug[:3] not in ("p--", "d--"):
            raise ValueError("only project and device slugs have a single numeric id")
        return _hex(self._slug[3:], "slug")


class IOTileProjectSlug(IOTileCloudSlug):
    """Project slug p--XXXX-XXXX from an int (0..0xffffffff), hex string or slug."""

    def __init__(self, id):
        if isinstance(id, IOTileProjectSlug):
            self._slug = id._slug
            return
        self._slug = "p--" + _groups(_single("p", id, 32, "IOTileProjectSlug"), 2)


class IOTileDeviceSlug(IOTileCloudSlug):
    """Device slug d--XXXX-XXXX-XXXX-XXXX from an int, hex string or slug. allow_64bits=False
    limits the id to 48 bits (the device ids of IOTile hardware)."""

    def __init__(self, id, allow_64bits=True):
        if isinstance(id, IOTileDeviceSlug):
            self._slug = id._slug
            return
        n = _single("d", id, 64 if allow_64bits else 48, "IOTileDeviceSlug")
        self._slug = "d--" + _groups(n, 4)


def _local(id, what):
    """A variable's local id (1..0xffff as an int, 0000..ffff as hex) as 4 hex digits."""
    if type(id) is int:
        if not 0 < id <= 0xFFFF:
            raise ValueError("%s: local id must be 1..0xffff" % what)
        return "%04x" % id
    if not isinstance(id, str):
        raise ValueError("%s: must be an int or a str, not %s" % (what, type(id).__name__))
    n = _hex(id, what)
    if n > 0xFFFF or "-" in id:
        raise ValueError("%s: local id must be at most 4 hex digits, got %r" % (what, id[:40]))
    return "%04x" % n


class IOTileVariableSlug(IOTileCloudSlug):
    """Variable slug v--PPPP-PPPP--VVVV: from a local id (int or hex str) and a project (slug,
    int or str; default 0 = any project), or from a whole 'v--...--...' slug."""

    def __init__(self, id, project=None):
        if isinstance(id, IOTileVariableSlug):
            self._slug = id._slug
            return
        if isinstance(id, str) and "--" in id:
            parts = id.split("--")
            if len(parts) != 3 or parts[0] != "v":
                raise ValueError("IOTileVariableSlug: expected v--xxxx-xxxx--xxxx, got %r" % id[:40])
            project, id = parts[1], parts[2]
        local = _local(id, "IOTileVariableSlug")
        p = IOTileProjectSlug(0 if project is None or project == "" else project)
        self._slug = "v--%s--%s" % (p.formatted_id(), local)

    def formatted_local_id(self):
        """The 4 hex digits of the variable, e.g. '5001'."""
        return self._slug[-4:]


class IOTileStreamSlug(IOTileCloudSlug):
    """Stream slug s--PPPP-PPPP--DDDD-DDDD-DDDD-DDDD--VVVV. IOTileStreamSlug(slug) parses one;
    IOTileStreamSlug() then from_parts(project, device, variable) builds one."""

    def __init__(self, id=None):
        if id is None:
            return
        if isinstance(id, IOTileStreamSlug):
            self._slug = id._slug
            return
        if not isinstance(id, str):
            raise ValueError("IOTileStreamSlug: must be a str like s--0000-0001--0000-0000-0000-0002--5001")
        parts = id.split("--")
        if len(parts) != 4 or parts[0] != "s":
            raise ValueError("IOTileStreamSlug: expected s--<project>--<device>--<variable>, got %r" % id[:60])
        self.from_parts(parts[1], parts[2], parts[3])

    def from_parts(self, project, device, variable):
        """Build from a project, device and variable (slugs, ints or hex strs; an empty project
        or device means 0)."""
        p = IOTileProjectSlug(0 if project is None or project == "" else project)
        d = IOTileDeviceSlug(0 if device is None or device == "" else device)
        v = variable if isinstance(variable, IOTileVariableSlug) else IOTileVariableSlug(variable)
        self._slug = "s--%s--%s--%s" % (p.formatted_id(), d.formatted_id(), v.formatted_local_id())

    def get_parts(self):
        """{'project': 'p--...', 'device': 'd--...', 'variable': 'v--...'} (strs)."""
        if not self._slug:
            raise ValueError("IOTileStreamSlug: empty; call from_parts() first")
        parts = self._slug.split("--")
        project = "p--" + parts[1]
        return {
            "project": project,
            "device": "d--" + parts[2],
            "variable": "v--%s--%s" % (parts[1], parts[3]),
        }
