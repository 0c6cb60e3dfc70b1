"""Key rotation: spiderd --rekey re-seals every credential under a new key."""
import os
import sqlite3
import subprocess
import unittest

import harness

SECRET = "rotate-me-4f1c2b"


def secrets(data_dir):
    con = sqlite3.connect(os.path.join(data_dir, "spider.db"))
    try:
        return dict(con.execute(
            "SELECT name, secret FROM cim WHERE secret IS NOT NULL"))
    finally:
        con.close()


def rekey(data_dir, env=None):
    e = dict(os.environ, SPIDER_USERNAME=harness.USER,
             SPIDER_PASSWORD=harness.PASSWORD)
    e.update(env or {})
    return subprocess.run([harness.SPIDERD, "--data-dir", data_dir, "--rekey"],
                          env=e, capture_output=True, text=True, timeout=60)


class RekeyTest(unittest.TestCase):
    def register(self, d):
        d.add_mock_connection("rk", mock_name="rk")
        r = d.post("/spider/credential", {
            "CredentialName": "aws-cred", "ProviderName": "AWS",
            "KeyValueInfoList": [{"Key": "ClientId", "Value": "AKIA" + SECRET},
                                 {"Key": "ClientSecret", "Value": SECRET}]})
        self.assertEqual(r.status, 200, r)

    def test_rekey_with_key_file(self):
        with harness.Daemon() as d:
            self.register(d)
            d.stop()
            key_path = os.path.join(d.data_dir, "secret.key")
            with open(key_path, "rb") as f:
                old_key = f.read()
            before = secrets(d.data_dir)
            p = rekey(d.data_dir)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn("re-sealed 2 credentials", p.stdout)
            with open(key_path, "rb") as f:
                new_key = f.read()
            self.assertEqual(len(new_key), 32)
            self.assertNotEqual(old_key, new_key)
            self.assertEqual(os.stat(key_path).st_mode & 0o777, 0o600)
            self.assertFalse(os.path.exists(key_path + ".new"))
            after = secrets(d.data_dir)
            self.assertEqual(before.keys(), after.keys())
            for name in before:
                self.assertNotEqual(before[name], after[name])
            # The daemon starts on the new key and the cloud still answers.
            d.start()
            r = d.get("/spider/vmspec?ConnectionName=rk")
            self.assertEqual(r.status, 200, r)

    def test_rekey_from_env_key(self):
        old = "11" * 32
        new = "22" * 32
        with harness.Daemon(env={"SPIDER_SECRET_KEY": old}) as d:
            self.register(d)
            d.stop()
            p = rekey(d.data_dir, {"SPIDER_SECRET_KEY": old})
            self.assertNotEqual(p.returncode, 0)
            self.assertIn("SPIDER_NEW_SECRET_KEY", p.stderr)
            p = rekey(d.data_dir, {"SPIDER_SECRET_KEY": old,
                                   "SPIDER_NEW_SECRET_KEY": new})
            self.assertEqual(p.returncode, 0, p.stderr)
            # Under the old key the credential no longer opens...
            d.start()
            r = d.get("/spider/vmspec?ConnectionName=rk")
            self.assertEqual(r.status, 500, r)
            self.assertIn("cannot be decrypted", r.json()["message"])
            d.stop()
            # ...under the new one it does.
            d.extra_env["SPIDER_SECRET_KEY"] = new
            d.start()
            r = d.get("/spider/vmspec?ConnectionName=rk")
            self.assertEqual(r.status, 200, r)

    def test_bad_new_key_changes_nothing(self):
        with harness.Daemon() as d:
            self.register(d)
            d.stop()
            before = secrets(d.data_dir)
            p = rekey(d.data_dir, {"SPIDER_NEW_SECRET_KEY": "xyz"})
            self.assertNotEqual(p.returncode, 0)
            self.assertIn("64 hex digits", p.stderr)
            self.assertEqual(before, secrets(d.data_dir))

    def test_interrupted_rotation_is_finished_at_start(self):
        # Simulate a crash after the re-seal committed but before the new
        # key file replaced the old one.
        new = "33" * 32
        with harness.Daemon() as d:
            self.register(d)
            d.stop()
            key_path = os.path.join(d.data_dir, "secret.key")
            os.rename(key_path, key_path + ".orig")
            with open(key_path + ".orig", "rb") as f:
                old_hex = f.read().hex()
            p = rekey(d.data_dir, {"SPIDER_SECRET_KEY": old_hex,
                                   "SPIDER_NEW_SECRET_KEY": new})
            self.assertEqual(p.returncode, 0, p.stderr)
            os.rename(key_path + ".orig", key_path)
            fd = os.open(key_path + ".new", os.O_WRONLY | os.O_CREAT, 0o600)
            os.write(fd, bytes.fromhex(new))
            os.close(fd)
            d.start()
            self.assertIn("finished an interrupted key rotation", d.stderr())
            r = d.get("/spider/vmspec?ConnectionName=rk")
            self.assertEqual(r.status, 200, r)
            with open(key_path, "rb") as f:
                self.assertEqual(f.read().hex(), new)


if __name__ == "__main__":
    unittest.main()
