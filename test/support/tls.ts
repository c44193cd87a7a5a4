// A self-signed certificate made for one test with the openssl command line
// (Debian's openssl package; .ci/run installs it when missing).

import { join } from "node:path";
import { spawnSync } from "bun";

export interface TestCertificate {
  /** PEM files: the certificate (its own CA) and its key. */
  certPath: string;
  keyPath: string;
}

/** A P-256 certificate for localhost and 127.0.0.1, valid for a day, in `dir`. */
export function selfSignedCertificate(dir: string, name = "server"): TestCertificate {
  const certPath = join(dir, `${name}.crt`);
  const keyPath = join(dir, `${name}.key`);
  const run = spawnSync(
    [
      "openssl",
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
      "-keyout",
      keyPath,
      "-out",
      certPath,
    ],
    { stdout: "pipe", stderr: "pipe" },
  );
  if (run.exitCode !== 0) throw new Error(`openssl failed: ${run.stderr.toString()}`);
  return { certPath, keyPath };
}
