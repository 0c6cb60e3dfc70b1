"""What the daemon keeps: everything survives a restart (and a kill), the
store is SQLite in WAL mode, credential secrets are encrypted at rest under
<data-dir>/secret.key (0600) or SPIDER_SECRET_KEY, and no secret appears in
clear in any file or log (issue 2 items 4, 5 and 10)."""
import os
import signal
import sqlite3
import stat
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Daemon, check_error  # noqa: E402

AWS_ID = "AKIA-id-Q7x2Lm9Pz"
AWS_SECRET = "sEcReT-aws-9f3c1e7b-ZEBRA-41d8"
GCP_KEY = "-----BEGIN PRIVATE KEY-----gcpSECRETkey-8c2e4a91-----END"
BAD_SECRET = "leaky-value-in-a-bad-request-5e6f"
KEY_1 = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
KEY_2 = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"


def register_all(d):
    """Register one of everything; return the paths whose GET must survive."""
    d.add_mock_connection("p-mock")
    d.add_mock_connection("p-fail", mock_name="failing", cred_extra=[
        ("MockFailOp", "ListImage")])
    posts = [
        ("/spider/driver", {"DriverName": "p-drv2", "ProviderName": "MOCK",
                            "DriverLibFileName": "mock.so"}),
        ("/spider/credential", {
            "CredentialName": "p-aws", "ProviderName": "AWS",
            "KeyValueInfoList": [{"Key": "ClientId", "Value": AWS_ID},
                                 {"Key": "ClientSecret",
                                  "Value": AWS_SECRET}]}),
        ("/spider/credential", {
            "CredentialName": "p-gcp", "ProviderName": "GCP",
            "KeyValueInfoList": [{"Key": "private_key", "Value": GCP_KEY},
                                 {"Key": "project_id", "Value": "proj-1"},
                                 {"Key": "client_email",
                                  "Value": "sa@proj-1.example"}]}),
        ("/spider/region", {
            "RegionName": "p-aws-r", "ProviderName": "AWS",
            "KeyValueInfoList": [{"Key": "Region", "Value": "us-west-2"},
                                 {"Key": "Zone", "Value": "us-west-2b"}]}),
        ("/spider/connectionconfig", {
            "ConfigName": "p-mock2", "ProviderName": "MOCK",
            "DriverName": "p-drv2", "CredentialName": "p-mock-cred",
            "RegionName": "p-mock-region"}),
    ]
    for path, body in posts:
        r = d.post(path, body)
        assert r.status == 200, (path, r)
    return ["/spider/driver", "/spider/credential", "/spider/region",
            "/spider/connectionconfig", "/spider/driver/p-drv2",
            "/spider/credential/p-aws", "/spider/credential/p-gcp",
            "/spider/region/p-aws-r", "/spider/connectionconfig/p-mock2",
            "/spider/countconnectionconfig", "/spider/countdriver",
            "/spider/countcredential", "/spider/countregion",
            "/spider/countcredential/AWS",
            "/spider/vmspec?ConnectionName=p-mock",
            "/spider/vmimage?ConnectionName=p-mock",
            "/spider/regionzone?ConnectionName=p-mock2",
            "/spider/priceinfo/vm/default?ConnectionName=p-mock"]


def snapshot(tc, d, paths):
    out = {}
    for p in paths:
        r = d.get(p)
        tc.assertEqual(r.status, 200, (p, r))
        out[p] = r.json()
    return out


def files_under(root):
    for dirpath, _, names in os.walk(root):
        for n in names:
            yield os.path.join(dirpath, n)


def sqlite_files(root):
    out = []
    for path in files_under(root):
        try:
            with open(path, "rb") as f:
                if f.read(16) == b"SQLite format 3\x00":
                    out.append(path)
        except OSError:
            pass
    return out


class RestartTest(unittest.TestCase):
    def test_everything_survives_a_restart(self):
        d = Daemon().start()
        self.addCleanup(d.cleanup)
        paths = register_all(d)
        before = snapshot(self, d, paths)
        self.assertEqual(before["/spider/countconnectionconfig"],
                         {"count": 3})
        self.assertEqual(d.get("/spider/vmimage?ConnectionName=p-fail")
                         .status, 502)
        hist = d.get("/spider/callhistory?Limit=10000").json()["callhistory"]
        self.assertTrue(hist)
        self.assertEqual(d.stop(), 0, d.stderr())

        d2 = Daemon(data_dir=d.data_dir).start()
        self.addCleanup(d2.stop)
        after = snapshot(self, d2, paths)
        for p in paths:
            self.assertEqual(after[p], before[p], p)
        # the fault keys live in the encrypted credential: still applied
        r = d2.get("/spider/vmimage?ConnectionName=p-fail")
        check_error(self, r, 502, "CloudError", contains=["ListImage"])
        self.assertEqual(d2.get("/spider/vmspec?ConnectionName=p-fail")
                         .status, 200)
        # the call history from before the restart is still there
        hist2 = d2.get("/spider/callhistory?Limit=10000").json()[
            "callhistory"]
        self.assertEqual(hist2[-len(hist):], hist)
        # and the store still takes writes and deletes
        r = d2.delete("/spider/connectionconfig/p-mock2")
        self.assertEqual(r.json(), {"Result": "true"})
        r = d2.post("/spider/region", {
            "RegionName": "p-new", "ProviderName": "MOCK",
            "KeyValueInfoList": [{"Key": "Region", "Value": "saturn"}]})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(d2.stop(), 0, d2.stderr())

        d3 = Daemon(data_dir=d.data_dir).start()
        self.addCleanup(d3.stop)
        self.assertEqual(d3.get("/spider/connectionconfig/p-mock2").status,
                         404)
        self.assertEqual(d3.get("/spider/region/p-new").status, 200)
        self.assertEqual(d3.get("/spider/countconnectionconfig").json(),
                         {"count": 2})

    def test_acknowledged_writes_survive_a_kill(self):
        d = Daemon().start()
        self.addCleanup(d.cleanup)
        paths = register_all(d)
        before = snapshot(self, d, paths)
        d.stop(sig=signal.SIGKILL)
        d2 = Daemon(data_dir=d.data_dir).start()
        self.addCleanup(d2.stop)
        after = snapshot(self, d2, paths)
        for p in paths:
            self.assertEqual(after[p], before[p], p)

    def test_store_is_sqlite_in_wal_mode(self):
        with Daemon() as d:
            register_all(d)
            # the metadata store is the SQLite file holding what we
            # registered (in the file itself or its -wal)
            stores = []
            for path in sqlite_files(d.data_dir):
                held = b""
                for part in (path, path + "-wal"):
                    try:
                        with open(part, "rb") as f:
                            held += f.read()
                    except OSError:
                        pass
                if b"p-drv2" not in held:
                    continue
                con = sqlite3.connect(f"file:{path}?mode=ro", uri=True,
                                      timeout=30)
                try:
                    mode = con.execute("PRAGMA journal_mode").fetchone()[0]
                    names = [r[0] for r in con.execute(
                        "SELECT name FROM sqlite_master")]
                finally:
                    con.close()
                stores.append((path, mode, names))
            self.assertEqual(len(stores), 1,
                             f"want one metadata store, found {stores}")
            self.assertEqual(stores[0][1].lower(), "wal", stores)


class SecretsAtRestTest(unittest.TestCase):
    SECRETS = [AWS_ID, AWS_SECRET, GCP_KEY, "gcpSECRETkey-8c2e4a91",
               BAD_SECRET, harness.PASSWORD]

    def scan(self, d, where):
        found = []
        for path in files_under(d.data_dir):
            for s in self.SECRETS:
                if s in os.path.basename(path):
                    found.append((path, s, "file name"))
            try:
                with open(path, "rb") as f:
                    data = f.read()
            except OSError:
                continue
            for s in self.SECRETS:
                if s.encode() in data:
                    found.append((path, s, "contents"))
        self.assertEqual(found, [], f"secret in clear ({where})")

    def test_no_secret_in_clear_anywhere(self):
        d = Daemon().start()
        self.addCleanup(d.cleanup)
        register_all(d)
        # a refused request carrying a secret must not echo or log it
        r = d.post("/spider/credential", {
            "CredentialName": "p-bad", "ProviderName": "AWS",
            "KeyValueInfoList": [{"Key": "ClientId", "Value": BAD_SECRET}]})
        check_error(self, r, 400, "BadRequest")
        self.assertNotIn(BAD_SECRET, r.body)
        for p in ("/spider/credential", "/spider/credential/p-aws",
                  "/spider/credential/p-gcp"):
            body = d.get(p).body
            for s in (AWS_ID, AWS_SECRET, GCP_KEY):
                self.assertNotIn(s, body, p)
        for _ in range(3):
            self.assertEqual(d.get("/spider/vmspec?ConnectionName=p-mock")
                             .status, 200)
        # while running: the -wal file holds the latest pages
        self.scan(d, "while running")
        self.assertEqual(d.stop(), 0)
        self.scan(d, "after stop")
        d2 = Daemon(data_dir=d.data_dir).start()
        self.addCleanup(d2.stop)
        self.assertEqual(d2.get("/spider/vmspec?ConnectionName=p-mock")
                         .status, 200)
        self.assertEqual(d2.stop(), 0)
        self.scan(d2, "after a restart")
        self.assertNotIn(AWS_SECRET, d2.stderr())

    def test_key_file_mode(self):
        with Daemon() as d:
            path = os.path.join(d.data_dir, "secret.key")
            st = os.stat(path)
            self.assertEqual(stat.S_IMODE(st.st_mode), 0o600,
                             oct(st.st_mode))
            self.assertTrue(stat.S_ISREG(st.st_mode))
            self.assertGreaterEqual(st.st_size, 32)
            with open(path, "rb") as f:
                key = f.read()
            d.add_mock_connection()
            d.stop()
            d2 = Daemon(data_dir=d.data_dir).start()
            try:
                with open(path, "rb") as f:
                    self.assertEqual(f.read(), key, "key file was replaced")
                r = d2.get("/spider/vmspec?ConnectionName=mock-config01")
                self.assertEqual(r.status, 200, r)
            finally:
                d2.stop()

    def test_key_file_is_not_world_readable_under_a_loose_umask(self):
        old = os.umask(0)
        try:
            d = Daemon().start()
        finally:
            os.umask(old)
        with d:
            st = os.stat(os.path.join(d.data_dir, "secret.key"))
            self.assertEqual(stat.S_IMODE(st.st_mode), 0o600,
                             oct(st.st_mode))


class SecretKeyEnvTest(unittest.TestCase):
    def check_cannot_decrypt(self, d):
        r = d.get("/spider/vmspec?ConnectionName=k-conn")
        self.assertNotEqual(r.status, 200, r)
        msg = check_error(self, r, 500, "Internal")
        self.assertIn("k-conn-cred", msg)
        self.assertIn("decrypt", msg.lower())
        # listing and showing still work: the values are hidden anyway
        r = d.get("/spider/credential/k-conn-cred")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(d.get("/spider/health", auth=False).status, 200)
        self.assertEqual(d.get("/spider/readyz", auth=False).status, 200)

    def test_a_different_key_cannot_use_the_credential(self):
        d = Daemon(env={"SPIDER_SECRET_KEY": KEY_1}).start()
        self.addCleanup(d.cleanup)
        d.add_mock_connection("k-conn")
        self.assertEqual(d.get("/spider/vmspec?ConnectionName=k-conn")
                         .status, 200)
        self.assertEqual(d.stop(), 0)

        d2 = Daemon(data_dir=d.data_dir,
                    env={"SPIDER_SECRET_KEY": KEY_2}).start()
        self.addCleanup(d2.stop)
        self.check_cannot_decrypt(d2)
        self.assertEqual(d2.stop(), 0, "crashed after a decryption failure")
        self.assertNotIn("AddressSanitizer", d2.stderr())

        # the key file (made at first start without the env key) is yet
        # another key
        d3 = Daemon(data_dir=d.data_dir).start()
        self.addCleanup(d3.stop)
        self.check_cannot_decrypt(d3)
        self.assertEqual(d3.stop(), 0)

        d4 = Daemon(data_dir=d.data_dir,
                    env={"SPIDER_SECRET_KEY": KEY_1}).start()
        self.addCleanup(d4.stop)
        r = d4.get("/spider/vmspec?ConnectionName=k-conn")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(d4.stop(), 0)

    def test_malformed_key_is_refused(self):
        for key in ("nothex", KEY_1[:-2], KEY_1 + "00", "zz" * 32):
            with self.subTest(key=key):
                rc, out, err = harness.run_spiderd(
                    ["--listen", "127.0.0.1:0", "--data-dir",
                     self.tmp_dir()],
                    env={"SPIDER_USERNAME": "u", "SPIDER_PASSWORD": "p",
                         "SPIDER_SECRET_KEY": key})
                self.assertIsNotNone(rc, "spiderd ran with a bad key")
                self.assertNotEqual(rc, 0)
                self.assertIn("SPIDER_SECRET_KEY", err)
                if len(key) >= 32:  # a near-miss key is still a secret
                    self.assertNotIn(key, err)

    def tmp_dir(self):
        import shutil
        import tempfile
        t = tempfile.mkdtemp(prefix="spider-e2e-key-")
        self.addCleanup(shutil.rmtree, t, True)
        return t


if __name__ == "__main__":
    unittest.main()
