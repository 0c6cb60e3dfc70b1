"""The loopback OpenStack peer for the OpenStack driver's tests
(tests/e2e/test_openstack*.py, bench/oslib.py): is it up, a connection to it
through spiderd, and direct calls to its APIs (to make and check things
behind Spider's back).

scripts/test brings the peer up once (scripts/openstack-peer.sh) and, when
it cannot, exports SPIDER_OPENSTACK_UNAVAILABLE with the reason; the tests
then skip with that reason.
"""
import json
import os
import time
import urllib.error
import urllib.request
import uuid

KS_URL = os.environ.get("SPIDER_OPENSTACK_AUTH_URL",
                        "http://127.0.0.1:35357/v3")
ADMIN = ("admin", "admin")
PROJECT = "admin"
DOMAIN = "Default"
REGION = "RegionOne"
ZONE = "nova"
IMAGE = "cirros-fake"
FLAVOR = "m1.tiny"


def run_id():
    """A short name part unique to this run (three variants share the
    peer)."""
    return uuid.uuid4().hex[:8]


def unavailable():
    """Why the peer cannot be used, or None when it answers."""
    why = os.environ.get("SPIDER_OPENSTACK_UNAVAILABLE")
    if why:
        return why
    try:
        with urllib.request.urlopen(KS_URL, timeout=5) as r:
            r.read()
    except (OSError, urllib.error.URLError) as e:
        return (f"no OpenStack peer answers at {KS_URL} ({e}); start it with "
                "scripts/openstack-peer.sh up")
    return None


class Direct:
    """Plain calls to the peer's APIs with an admin token (no Spider)."""

    def __init__(self, user=ADMIN[0], password=ADMIN[1]):
        self.user, self.password = user, password
        self.token, self.catalog = self._login()
        self.project_id = self.body["token"]["project"]["id"]

    def _login(self):
        body = {"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": self.user, "domain": {"name": DOMAIN},
                "password": self.password}}},
            "scope": {"project": {"name": PROJECT,
                                  "domain": {"name": DOMAIN}}}}}
        req = urllib.request.Request(
            KS_URL + "/auth/tokens", data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(req, timeout=30) as r:
            self.body = json.loads(r.read())
            return r.headers["X-Subject-Token"], self.body["token"]["catalog"]

    def url(self, service):
        for s in self.catalog:
            if s["type"] == service:
                for e in s["endpoints"]:
                    if e["interface"] == "public" and e["region_id"] == REGION:
                        u = e["url"].rstrip("/")
                        if service == "network" and not u.endswith("/v2.0"):
                            u += "/v2.0"
                        if service == "image" and not u.endswith("/v2"):
                            u += "/v2"
                        return u
        raise KeyError(service)

    def call(self, method, service, path, body=None, headers=None,
             token=None):
        """(status, parsed body or text)."""
        url = (KS_URL if service == "identity" else self.url(service)) + path
        h = {"X-Auth-Token": token or self.token,
             "Accept": "application/json"}
        if service == "compute":
            h["OpenStack-API-Version"] = "compute 2.79"
        h.update(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        req = urllib.request.Request(url, data=data, headers=h, method=method)
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                raw = r.read()
                status = r.status
        except urllib.error.HTTPError as e:
            raw, status = e.read(), e.code
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            return status, raw.decode(errors="replace")

    def ok(self, method, service, path, body=None, **kw):
        status, doc = self.call(method, service, path, body, **kw)
        if status // 100 != 2:
            raise AssertionError(f"{method} {service} {path}: {status} {doc}")
        return doc

    def image_id(self, name=IMAGE):
        return self.ok("GET", "image", "/images?name=" + name)["images"][0]["id"]

    def flavor_id(self, name=FLAVOR):
        for f in self.ok("GET", "compute", "/flavors")["flavors"]:
            if f["name"] == name:
                return f["id"]
        raise KeyError(name)

    def boot(self, name, network=None):
        """A server made straight through nova; returns its id."""
        server = {"name": name, "imageRef": self.image_id(),
                  "flavorRef": self.flavor_id(),
                  "networks": [{"uuid": network}] if network else "none"}
        return self.ok("POST", "compute", "/servers",
                       {"server": server})["server"]["id"]

    def server_status(self, sid):
        status, doc = self.call("GET", "compute", "/servers/" + sid)
        if status == 404:
            return None
        return doc["server"]["status"]

    def wait_server(self, sid, want, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            s = self.server_status(sid)
            if s == want:
                return s
            time.sleep(0.25)
        return self.server_status(sid)

    def delete_server(self, sid, wait=True):
        self.call("DELETE", "compute", "/servers/" + sid)
        if wait:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and self.server_status(sid):
                time.sleep(0.25)


def add_connection(d, name, user=ADMIN[0], password=ADMIN[1],
                   project=PROJECT, region=REGION, zone=ZONE,
                   endpoint=KS_URL):
    """Register driver, credential, region and connection config for the
    peer on the Daemon d (one REST call each)."""
    for path, body in (
            ("/spider/driver", {
                "DriverName": "openstack-driver01",
                "ProviderName": "OPENSTACK",
                "DriverLibFileName": "openstack-driver-v1.0.so"}),
            ("/spider/credential", {
                "CredentialName": name + "-cred", "ProviderName": "OPENSTACK",
                "KeyValueInfoList": [
                    {"Key": "IdentityEndpoint", "Value": endpoint},
                    {"Key": "Username", "Value": user},
                    {"Key": "Password", "Value": password},
                    {"Key": "DomainName", "Value": DOMAIN},
                    {"Key": "ProjectID", "Value": project}]}),
            ("/spider/region", {
                "RegionName": name + "-region", "ProviderName": "OPENSTACK",
                "KeyValueInfoList": [{"Key": "Region", "Value": region},
                                     {"Key": "Zone", "Value": zone}]}),
            ("/spider/connectionconfig", {
                "ConfigName": name, "ProviderName": "OPENSTACK",
                "DriverName": "openstack-driver01",
                "CredentialName": name + "-cred",
                "RegionName": name + "-region"})):
        r = d.post(path, body)
        assert r.status == 200, (path, r)
    return name
