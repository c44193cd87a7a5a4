import { createPrivateKey, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";

/** A server certificate chain and its private key, PEM. */
export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
}

/**
 * Reads and checks --tls-cert and --tls-key, so a wrong file is one clear
 * sentence at startup instead of an OpenSSL code at bind time.
 */
export function loadTlsFiles(certPath: string, keyPath: string): TlsFiles {
  const cert = read("--tls-cert", certPath);
  const key = read("--tls-key", keyPath);
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert);
  } catch {
    throw new Error(`--tls-cert ${certPath} is not a PEM certificate`);
  }
  let privateKey: ReturnType<typeof createPrivateKey>;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw new Error(`--tls-key ${keyPath} is not a PEM private key (or it is encrypted)`);
  }
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new Error(
      `--tls-key ${keyPath} is not the key of the certificate in --tls-cert ${certPath}`,
    );
  }
  return { cert, key };
}

function read(flag: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new Error(`cannot read ${flag} ${path}: ${(error as Error).message}`);
  }
}
